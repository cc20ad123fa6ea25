"""|x * x - a| > tol instead of > tol * a: for a = 1e-8 the loop stops near 1e-3, ten times the root

catches: test_newton_sqrt_values
"""


def newton_sqrt(a, tol=1e-6):
    x = (a + 1) / 2
    while ((x * x - a).abs() > tol).any():  # an absolute test: tiny a stops far from its root
        x = (x + a / x) / 2
    return x
