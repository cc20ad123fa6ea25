def train_step(model, x, y, loss_fn, optimizer):
    loss = loss_fn(model(x), y)
    loss.backward()  # gradients pile up: nobody ever zeroes them
    optimizer.step()
    return loss.item()
