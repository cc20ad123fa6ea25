"""optimizer.zero_grad() between backward() and step(): the step finds cleared gradients and the weights never move

catches: test_train_step_matches_reference
"""


def train_step(model, x, y, loss_fn, optimizer):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.zero_grad()  # clears the gradients backward() just computed
    optimizer.step()
    return loss.item()
