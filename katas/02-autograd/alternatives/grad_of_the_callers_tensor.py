"""Style: autograd.grad on the caller's own x when it already requires grad (nothing is accumulated anywhere); .grad zeroed after each update."""


def gradient(f, x):
    if x.requires_grad:
        # autograd.grad returns the gradient without writing any .grad: x stays exactly as it was
        (grad,) = torch.autograd.grad(f(x), x)
        return grad
    point = x.detach().clone().requires_grad_(True)
    f(point).backward()
    return point.grad


def gradient_descent(f, x0, lr, steps):
    x = x0.detach().clone().requires_grad_(True)
    for _ in range(steps):
        f(x).backward()
        with torch.no_grad():
            x.add_(x.grad, alpha=-lr)
            x.grad.zero_()  # cleared after the update, before the next backward()
    return x.detach()
