"""newton_sqrt detaches x at every step: the gradient follows only the last step, wrong where tol stops it early

catches: test_newton_sqrt_gradient
"""


def newton_sqrt(a, tol=1e-6):
    x = (a + 1) / 2
    while ((x * x - a).abs() > tol * a).any():
        x = (x.detach() + a / x.detach()) / 2  # "to save memory": cuts the graph of every earlier step
    return x
