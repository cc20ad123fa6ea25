"""h = torch.zeros(...) starts float32 on the CPU: fails for float64 input or on a GPU

catches: test_rnn_last_hidden
"""


def rnn_last_hidden(cell, x, lengths):
    h = torch.zeros(x.shape[0], cell.hidden_size)  # float32 on the CPU, whatever x is
    for t in range(int(lengths.max())):
        h = torch.where((t < lengths).unsqueeze(1), cell(x[:, t], h), h)
    return h
