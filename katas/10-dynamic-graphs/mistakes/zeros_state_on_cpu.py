"""h = torch.zeros(..., dtype=x.dtype) without device=: the state starts on the CPU, so a GPU x fails

catches: test_rnn_last_hidden
"""


def rnn_last_hidden(cell, x, lengths):
    h = torch.zeros(x.shape[0], cell.hidden_size, dtype=x.dtype)  # x's dtype, but always on the CPU
    for t in range(int(lengths.max())):
        h = torch.where((t < lengths).unsqueeze(1), cell(x[:, t], h), h)
    return h
