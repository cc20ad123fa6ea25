def gradient(f, x):
    point = x.clone().requires_grad_(True)  # still attached to x's graph when x requires grad
    f(point).backward()
    return point.grad
