def per_batch_gradients(loss_fn, w, batches):
    grads = []
    for batch in batches:
        loss_fn(w, batch).backward()
        grads.append(w.grad.clone())
    return grads
