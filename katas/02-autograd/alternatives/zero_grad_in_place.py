"""zero_() on .grad and clone() of each stored gradient; torch.set_grad_enabled(False) as a context manager."""


def gradient(f, x):
    point = torch.empty_like(x).copy_(x.detach())
    point.requires_grad = True
    loss = f(point)
    loss.backward()
    return point.grad.clone()


def per_batch_gradients(loss_fn, w, batches):
    grads = []
    for inputs in batches:
        if w.grad is not None:
            w.grad.zero_()  # in place: the stored clones below are separate tensors
        loss_fn(w, inputs).backward()
        grads.append(w.grad.clone())
    return grads


def gradient_descent(f, x0, lr, steps):
    x = x0.clone().detach().requires_grad_()
    step = 0
    while step < steps:
        if x.grad is not None:
            x.grad.zero_()
        f(x).backward()
        with torch.no_grad():
            x.sub_(x.grad, alpha=lr)
        step += 1
    return x.detach().clone()


def predict(model, x):
    with torch.set_grad_enabled(False):
        out = model(x)
    return out


def to_numpy(t):
    return t.detach().to("cpu").numpy()
