"""grow_until doubles with b = a.mul_(2): an in-place change of the caller's a (a leaf that requires grad refuses it outright)

catches: test_grow_until_gradient
"""


def grow_until(a, limit=1000.0):
    b = a.mul_(2)  # b is a itself: the input changes
    while b.norm() < limit:
        b = b * 2
    if b.sum() > 0:
        return b
    return 100 * b
