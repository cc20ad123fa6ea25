"""The stop test as torch.isclose(..., atol=0); Newton's step written as x - (x * x - a) / (2 * x); the doubling in place on a copy"""


def grow_until(a, limit=1000.0):
    b = a * 2  # a new tensor: doubling it in place leaves a alone, and mul by 2 saves nothing for backward
    while torch.linalg.vector_norm(b) < limit:
        b *= 2
    return b if b.sum() > 0 else 100 * b


def newton_sqrt(a, tol=1e-6):
    x = (a + 1) / 2
    while not torch.isclose(x * x, a, rtol=tol, atol=0).all():
        x = x - (x * x - a) / (2 * x)
    return x
