"""x -= ... updates in place a tensor autograd saved: backward fails

catches: test_newton_sqrt_gradient
"""


def newton_sqrt(a, tol=1e-6):
    x = (a + 1) / 2
    while ((x * x - a).abs() > tol * a).any():
        x -= (x * x - a) / (2 * x)  # in place: overwrites the x autograd saved
    return x
