"""optimizer.step() before loss.backward(): the step finds no gradients and the model never learns

catches: test_train_step_matches_reference, test_train_one_epoch_matches_reference
"""


def train_step(model, x, y, loss_fn, optimizer):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    optimizer.step()  # no gradients yet: nothing to do
    loss.backward()
    return loss.item()
