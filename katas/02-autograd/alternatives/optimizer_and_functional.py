"""Style: library helpers — torch.optim.SGD for the descent, torch.func.grad, a fresh detached w per batch, np.array(copy)."""

import numpy as np


def gradient(f, x):
    # torch.func.grad differentiates f itself: no .grad is written anywhere
    return torch.func.grad(f)(x.detach())


def per_batch_gradients(loss_fn, w, batches):
    grads = []
    for batch in batches:
        private = w.detach().requires_grad_(True)  # a leaf of its own: w.grad is never touched
        loss_fn(private, batch).backward()
        grads.append(private.grad)
    return grads


def gradient_descent(f, x0, lr, steps):
    x = x0.detach().clone().requires_grad_(True)
    optimizer = torch.optim.SGD([x], lr=lr)  # plain SGD: x ← x − lr·grad
    for _ in range(steps):
        optimizer.zero_grad()
        f(x).backward()
        optimizer.step()
    return x.detach()


def predict(model, x):
    with torch.set_grad_enabled(False):
        return model(x)


def to_numpy(t):
    return np.array(t.detach().to("cpu"), copy=True)
