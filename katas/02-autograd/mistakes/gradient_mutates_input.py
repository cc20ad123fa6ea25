"""x.requires_grad_() and backward() on the caller's own tensor: it now requires grad and carries a .grad

catches: test_gradient_leaves_input_alone
"""


def gradient(f, x):
    x.requires_grad_(True)
    f(x).backward()
    return x.grad
