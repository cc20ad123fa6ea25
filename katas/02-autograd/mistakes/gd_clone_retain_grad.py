"""x0.clone() with retain_grad() instead of detach().clone(): for an x0 that requires grad every step's backward() also reaches x0.grad

catches: test_gradient_descent_returns_plain_tensor
"""


def gradient_descent(f, x0, lr, steps):
    x = x0.clone()
    if not x.requires_grad:
        x.requires_grad_(True)
    else:
        x.retain_grad()  # "a clone of a tensor that requires grad is no leaf: keep its .grad"
    for _ in range(steps):
        x.grad = None
        f(x).backward()
        with torch.no_grad():
            x -= lr * x.grad
    return x.detach()
