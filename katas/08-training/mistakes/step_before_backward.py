def train_step(model, x, y, loss_fn, optimizer):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    optimizer.step()  # no gradients yet: nothing to do
    loss.backward()
    return loss.item()
