"""backward() for each batch without clearing .grad: each entry reads the accumulated sum

catches: test_per_batch_gradients
"""


def per_batch_gradients(loss_fn, w, batches):
    grads = []
    for batch in batches:
        loss_fn(w, batch).backward()
        grads.append(w.grad.clone())
    return grads
