"""x.clone().requires_grad_() without detach(): for an x that requires grad the copy is no leaf, its .grad stays None and backward() reaches the caller

catches: test_gradient_leaves_input_alone
"""


def gradient(f, x):
    point = x.clone().requires_grad_(True)  # still attached to x's graph when x requires grad
    f(point).backward()
    return point.grad
