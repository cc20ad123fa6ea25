def gradient(f, x):
    x.requires_grad_(True)
    f(x).backward()
    return x.grad
