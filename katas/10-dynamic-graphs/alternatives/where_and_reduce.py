"""torch.where for the final branch; functools.reduce over the middle layer; an explicit step count for the RNN"""

import functools


def grow_until(a, limit=1000.0):
    b = a * 2
    while torch.linalg.vector_norm(b) < limit:
        b = 2 * b
    return torch.where(b.sum() > 0, b, b * 100)


class RepeatNet(nn.Module):
    def __init__(self, in_features, hidden, out_features):
        super().__init__()
        self.first = nn.Linear(in_features, hidden)
        self.middle = nn.Linear(hidden, hidden)
        self.last = nn.Linear(hidden, out_features)

    def forward(self, x, depth):
        h = functools.reduce(lambda h, _: self.middle(h).relu(), range(depth), self.first(x).relu())
        return self.last(h)


def rnn_last_hidden(cell, x, lengths):
    h = torch.zeros(len(x), cell.hidden_size, dtype=x.dtype, device=x.device)
    for t in range(int(lengths.max())):
        running = (lengths > t).to(x.dtype).unsqueeze(-1)
        h = running * cell(x[:, t, :], h) + (1 - running) * h
    return h


def newton_sqrt(a, tol=1e-6):
    x = (a + 1) / 2
    while torch.any(torch.abs(x * x - a) > tol * a):
        x = 0.5 * (x + a / x)
    return x
