"""x0.detach().requires_grad_() without clone(): the in-place updates write into the caller's x0

catches: test_gradient_descent_returns_plain_tensor

detach() makes a new tensor that shares x0's memory, so `x -= lr * x.grad` changes x0's values too.
"""


def gradient_descent(f, x0, lr, steps):
    x = x0.detach().requires_grad_(True)  # shares x0's memory
    for _ in range(steps):
        x.grad = None
        f(x).backward()
        with torch.no_grad():
            x -= lr * x.grad
    return x.detach()
