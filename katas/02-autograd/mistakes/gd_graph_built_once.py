"""f(x) computed once before the loop and backward(retain_graph=True) reused: the graph describes the old x

catches: test_gradient_descent_path
"""


def gradient_descent(f, x0, lr, steps):
    x = x0.detach().clone().requires_grad_(True)
    loss = f(x)
    for _ in range(steps):
        x.grad = None
        loss.backward(retain_graph=True)
        with torch.no_grad():
            x -= lr * x.grad
    return x.detach()
