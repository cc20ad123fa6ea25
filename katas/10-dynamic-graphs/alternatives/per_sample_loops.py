"""Python loops per sample: each sequence run to its own length, each square root iterated on its own

Slower than batched tensor code, but the graph simply follows whatever each sample needs.
"""


def rnn_last_hidden(cell, x, lengths):
    states = []
    for i in range(x.shape[0]):
        h = x.new_zeros(1, cell.hidden_size)
        for t in range(int(lengths[i])):
            h = cell(x[i : i + 1, t], h)
        states.append(h)
    return torch.cat(states)


def newton_sqrt(a, tol=1e-6):
    roots = []
    for value in a.reshape(-1):
        x = (value + 1) / 2
        while (x * x - value).abs() > tol * value:
            x = (x + value / x) / 2
        roots.append(x)
    return torch.stack(roots).reshape(a.shape)
