"""optimizer.zero_grad() never called: each step uses the sum of all gradients so far

catches: test_train_step_matches_reference, test_train_one_epoch_matches_reference
"""


def train_step(model, x, y, loss_fn, optimizer):
    loss = loss_fn(model(x), y)
    loss.backward()  # gradients pile up: nobody ever zeroes them
    optimizer.step()
    return loss.item()
