"""Style: a detached alias as the leaf (no clone), torch.tensor copies, .to("cpu") before .numpy()."""


def gradient(f, x):
    point = x.detach().requires_grad_(True)  # a new leaf over x's memory: f does not change it, so no copy is needed
    f(point).backward()
    return point.grad


def gradient_descent(f, x0, lr, steps):
    x = torch.tensor(x0.tolist(), dtype=x0.dtype, device=x0.device, requires_grad=True)
    for _ in range(steps):
        (grad,) = torch.autograd.grad(f(x), x)
        with torch.no_grad():
            x.sub_(grad, alpha=lr)
    return x.detach()


def to_numpy(t):
    return t.cpu().detach().to("cpu").numpy()
