"""optimizer.zero_grad() between backward() and step() wipes the fresh gradients: nothing is learned

catches: test_train_step
"""


def train_step(model, optimizer, loss_fn, x, y):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.zero_grad()  # wipes the gradients backward() just computed
    optimizer.step()
    return loss.item()
