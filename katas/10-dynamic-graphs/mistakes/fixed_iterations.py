"""a fixed number of Newton steps instead of a data-dependent stop: large a has not converged

catches: test_newton_sqrt_values
"""


def newton_sqrt(a, tol=1e-6):
    x = (a + 1) / 2
    for _ in range(5):  # a fixed number of steps instead of a data-dependent stop
        x = (x + a / x) / 2
    return x
