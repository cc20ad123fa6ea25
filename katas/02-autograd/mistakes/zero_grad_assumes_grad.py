"""w.grad.zero_() before each batch with no None check: raises AttributeError when w has no gradient yet

catches: test_per_batch_gradients

The README says w.grad *may* hold an old gradient: a fresh parameter has w.grad None.
"""


def per_batch_gradients(loss_fn, w, batches):
    grads = []
    for batch in batches:
        w.grad.zero_()
        loss_fn(w, batch).backward()
        grads.append(w.grad.clone())
    return grads
