"""newton_sqrt returns torch.sqrt(a): right to many digits, but not Newton's iterate that the tolerance stops at

catches: test_newton_sqrt_steps
"""


def newton_sqrt(a, tol=1e-6):
    return torch.sqrt(a)
