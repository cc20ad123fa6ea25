"""optimizer.step() before loss.backward() finds no gradients, so nothing is learned

catches: test_train_step
"""


def train_step(model, optimizer, loss_fn, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    optimizer.step()
    loss.backward()
    return loss.item()
