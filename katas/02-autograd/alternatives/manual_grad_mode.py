"""A @torch.no_grad() decorator and a saved-and-restored grad mode; a new leaf built every step; np.asarray."""

import numpy as np


def gradient(f, x):
    leaf = torch.tensor(x.detach().cpu().numpy(), dtype=x.dtype, device=x.device, requires_grad=True)
    f(leaf).backward()
    return leaf.grad


def per_batch_gradients(loss_fn, w, batches):
    saved = w.grad
    grads = []
    for batch in batches:
        w.grad = None
        loss_fn(w, batch).backward()
        grads.append(w.grad)
    w.grad = saved  # give the caller its old gradient back
    return grads


@torch.no_grad()
def _step(x, grad, lr):
    return x - lr * grad


def gradient_descent(f, x0, lr, steps):
    x = x0.detach().clone()
    for _ in range(steps):
        leaf = x.requires_grad_(True)
        f(leaf).backward()
        x = _step(leaf, leaf.grad, lr)  # made under no_grad: a fresh tensor without history
    return x


def predict(model, x):
    previous = torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    try:
        return model(x)
    finally:
        torch.set_grad_enabled(previous)


def to_numpy(t):
    return np.asarray(t.detach().cpu())
