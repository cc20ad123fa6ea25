"""while True with a break tested before each step; a pair recognised as a tuple; an index loop over the steps"""


def grow_until(a, limit=1000.0):
    b = 2 * a
    while True:
        if not b.norm() < limit:
            break
        b = b + b
    return b if b.sum() > 0 else b * 100


def tree_encode(tree, leaf, combine):
    if isinstance(tree, tuple):
        codes = [tree_encode(child, leaf, combine) for child in tree]
        return combine(torch.cat(codes)).tanh()
    return leaf(tree).tanh()


def rnn_last_hidden(cell, x, lengths):
    h = x.new_zeros((x.size(0), cell.hidden_size))
    steps = int(lengths.max().item())
    for t in range(steps):
        stepped = cell(x.select(1, t), h)
        h = torch.where(lengths.gt(t).view(-1, 1), stepped, h)
    return h


def newton_sqrt(a, tol=1e-6):
    x = (a + 1) / 2
    while True:
        if not bool(((x * x - a).abs() > tol * a).any()):
            break
        x = (x + a / x) / 2
    return x
