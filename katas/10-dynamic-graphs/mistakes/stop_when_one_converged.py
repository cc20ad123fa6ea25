"""newton_sqrt stops as soon as one entry converged (.all() of "not yet" instead of .any()): the others are left unfinished

catches: test_newton_sqrt_values
"""


def newton_sqrt(a, tol=1e-6):
    x = (a + 1) / 2
    while ((x * x - a).abs() > tol * a).all():
        x = (x + a / x) / 2
    return x
