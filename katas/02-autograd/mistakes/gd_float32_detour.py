"""descends on a float32 copy of x0 and casts the result back: float64 problems lose their precision

catches: test_gradient_descent_path
"""


def gradient_descent(f, x0, lr, steps):
    x = x0.detach().clone().float().requires_grad_(True)
    for _ in range(steps):
        x.grad = None
        f(x).backward()
        with torch.no_grad():
            x -= lr * x.grad
    return x.detach().to(x0.dtype)
