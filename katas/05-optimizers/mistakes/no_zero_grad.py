"""without optimizer.zero_grad(), backward() adds the new gradients to the old ones

catches: test_train_step
"""


def train_step(model, optimizer, loss_fn, x, y):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
