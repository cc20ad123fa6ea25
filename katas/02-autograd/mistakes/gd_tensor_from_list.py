"""torch.tensor(x0.tolist()) starts from float32 whatever x0's dtype was

catches: test_gradient_descent_path
"""


def gradient_descent(f, x0, lr, steps):
    x = torch.tensor(x0.tolist(), requires_grad=True)  # a list becomes float32, whatever x0 was
    for _ in range(steps):
        loss = f(x)
        x.grad = None
        loss.backward()
        with torch.no_grad():
            x -= lr * x.grad
    return x.detach()
