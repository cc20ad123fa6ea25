"""train_step returns loss.detach(): no graph any more, but still a 0-d tensor, not the Python float the README asks for

catches: test_train_step_returns_float
"""


def train_step(model, x, y, loss_fn, optimizer):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    return loss.detach()
