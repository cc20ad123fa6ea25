"""train_step returns the loss tensor instead of loss.item()

catches: test_train_step_returns_float, test_train_one_epoch_returns_float
"""


def train_step(model, x, y, loss_fn, optimizer):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss  # the tensor, with its graph, instead of loss.item()
