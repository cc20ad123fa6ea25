"""the mask keeps a sequence running while t <= length: its first padding step is fed into the state

catches: test_rnn_last_hidden
"""


def rnn_last_hidden(cell, x, lengths):
    h = x.new_zeros(x.shape[0], cell.hidden_size)
    for t in range(x.shape[1]):
        new_h = cell(x[:, t], h)
        h = torch.where((t <= lengths).unsqueeze(1), new_h, h)  # one step too many
    return h
