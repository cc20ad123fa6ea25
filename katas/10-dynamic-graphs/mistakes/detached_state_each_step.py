"""rnn_last_hidden detaches the state after every step (the truncated-backpropagation habit of language models): the gradient sees only the last step

catches: test_rnn_gradients
"""


def rnn_last_hidden(cell, x, lengths):
    h = x.new_zeros(x.shape[0], cell.hidden_size)
    for t in range(int(lengths.max())):
        new_h = cell(x[:, t], h.detach())  # cuts the graph between steps
        still_running = (t < lengths).unsqueeze(1)
        h = torch.where(still_running, new_h, h)
    return h
