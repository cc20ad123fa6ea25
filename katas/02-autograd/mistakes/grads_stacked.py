"""torch.stack(grads) instead of the list the README asks for

catches: test_per_batch_gradients
"""


def per_batch_gradients(loss_fn, w, batches):
    grads = []
    for batch in batches:
        w.grad = None
        loss_fn(w, batch).backward()
        grads.append(w.grad)
    return torch.stack(grads)
