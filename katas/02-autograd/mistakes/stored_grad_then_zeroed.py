"""w.grad stored without clone(), then zero_() in place: every stored entry becomes the last gradient

catches: test_per_batch_gradients
"""


def per_batch_gradients(loss_fn, w, batches):
    grads = []
    for batch in batches:
        if w.grad is not None:
            w.grad.zero_()
        loss_fn(w, batch).backward()
        grads.append(w.grad)
    return grads
