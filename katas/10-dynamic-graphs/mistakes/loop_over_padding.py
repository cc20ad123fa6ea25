"""every sequence runs to max_len: its state keeps changing over the padding

catches: test_rnn_last_hidden, test_rnn_ignores_padding
"""


def rnn_last_hidden(cell, x, lengths):
    h = x.new_zeros(x.shape[0], cell.hidden_size)
    for t in range(x.shape[1]):  # every sequence runs to max_len, through its padding
        h = cell(x[:, t], h)
    return h
