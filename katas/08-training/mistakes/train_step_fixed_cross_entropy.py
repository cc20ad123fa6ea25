"""train_step ignores its loss_fn argument and always trains on F.cross_entropy

catches: test_train_step_returns_float
"""


def train_step(model, x, y, loss_fn, optimizer):
    loss = torch.nn.functional.cross_entropy(model(x), y)  # not the loss_fn it was given
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    return loss.item()
