"""returns loss_fn(model(x), y) computed again after step(): the loss of the updated model, not the step's own loss

catches: test_train_step
"""


def train_step(model, optimizer, loss_fn, x, y):
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    optimizer.step()
    with torch.no_grad():
        return loss_fn(model(x), y).item()
