"""torch.tensor(b.tolist()) inside the loop: the values leave the graph, so no gradient reaches a

catches: test_grow_until_gradient
"""


def grow_until(a, limit=1000.0):
    b = a * 2
    while b.norm() < limit:
        b = torch.tensor(b.tolist()) * 2  # back to Python numbers and into a new tensor: the graph is cut
    if b.sum() > 0:
        return b
    return 100 * b
