"""gradient descent without clearing x.grad: each step uses the sum of all earlier gradients

catches: test_gradient_descent_path
"""


def gradient_descent(f, x0, lr, steps):
    x = x0.detach().clone().requires_grad_(True)
    for _ in range(steps):
        f(x).backward()
        with torch.no_grad():
            x -= lr * x.grad
    return x.detach()
