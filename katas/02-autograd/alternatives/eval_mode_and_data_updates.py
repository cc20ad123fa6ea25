"""Style: a guarded .grad.zero_() with stored clones, x.data.sub_ updates, model.eval() before inference, np.array copy."""


def per_batch_gradients(loss_fn, w, batches):
    out = []
    for batch in batches:
        if w.grad is not None:
            w.grad.zero_()
        loss_fn(w, batch).backward()
        out.append(w.grad.detach().clone())
    return out


def gradient_descent(f, x0, lr, steps):
    x = torch.empty_like(x0).copy_(x0.detach()).requires_grad_()
    for step in range(steps):
        if x.grad is not None:
            x.grad.zero_()
        f(x).backward()
        x.data.sub_(lr * x.grad.data)
    return x.detach()


def predict(model, x):
    model.eval()
    with torch.no_grad():
        y = model(x)
    return y


def to_numpy(t):
    import numpy as np

    return np.array(t.detach().to("cpu"), copy=True)
