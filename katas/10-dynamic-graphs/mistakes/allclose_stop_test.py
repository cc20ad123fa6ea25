"""newton_sqrt stops when torch.allclose(x * x, a, rtol=tol): allclose also allows its default atol=1e-8, so a tiny a such as 1e-8 stops far from its root

catches: test_newton_sqrt_values
"""


def newton_sqrt(a, tol=1e-6):
    x = (a + 1) / 2
    while not torch.allclose(x * x, a, rtol=tol):  # |x*x - a| <= 1e-8 + tol * |a|: the 1e-8 wins for tiny a
        x = (x + a / x) / 2
    return x
