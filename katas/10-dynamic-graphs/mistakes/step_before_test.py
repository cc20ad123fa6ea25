"""a do-while loop: one Newton step always runs, even when the start already passes the test

catches: test_newton_sqrt_steps
"""


def newton_sqrt(a, tol=1e-6):
    x = (a + 1) / 2
    while True:
        x = (x + a / x) / 2  # one step always runs, even when the start is already close enough
        if not ((x * x - a).abs() > tol * a).any():
            return x
