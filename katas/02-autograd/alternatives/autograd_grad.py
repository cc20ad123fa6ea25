"""torch.autograd.grad instead of backward() and .grad; out-of-place updates; inference_mode; numpy(force=True)."""


def gradient(f, x):
    point = x.detach().requires_grad_(True)  # detach() alone is already a new leaf; the values are never written
    (grad,) = torch.autograd.grad(f(point), point)
    return grad


def per_batch_gradients(loss_fn, w, batches):
    # autograd.grad returns the gradient instead of adding it into w.grad, so nothing needs clearing
    return [torch.autograd.grad(loss_fn(w, batch), w)[0] for batch in batches]


def gradient_descent(f, x0, lr, steps):
    x = x0.detach().clone()
    for _ in range(steps):
        x.requires_grad_(True)
        (grad,) = torch.autograd.grad(f(x), x)
        x = (x - lr * grad).detach()  # a new tensor each step, with no history
    return x


@torch.inference_mode()
def predict(model, x):
    return model(x)


def to_numpy(t):
    return t.numpy(force=True)
