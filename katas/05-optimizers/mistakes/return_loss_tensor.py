"""returning the loss tensor instead of loss.item() keeps the whole graph alive

catches: test_train_step
"""


def train_step(model, optimizer, loss_fn, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss
