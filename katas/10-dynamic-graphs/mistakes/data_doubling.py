"""grow_until doubles b.data in the loop: the values grow, but autograd never sees the doublings

catches: test_grow_until_gradient
"""


def grow_until(a, limit=1000.0):
    b = a * 2
    while b.norm() < limit:
        b.data *= 2  # outside autograd
    if b.sum() > 0:
        return b
    return 100 * b
