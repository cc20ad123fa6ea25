"""optimizer.zero_grad() at the end of the step instead of the start: the stale gradients the parameters arrived with are added into the first update

catches: test_train_step
"""


def train_step(model, optimizer, loss_fn, x, y):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()  # tidy for the next call, but this call already used the stale gradients
    return loss.item()
