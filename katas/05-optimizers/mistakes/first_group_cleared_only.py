"""only optimizer.param_groups[0] cleared: the other groups' gradients pile up from step to step

catches: test_train_step

An optimizer may hold several groups (a body and a head at other learning rates); zero_grad() clears
them all.
"""


def train_step(model, optimizer, loss_fn, x, y):
    for p in optimizer.param_groups[0]["params"]:
        p.grad = None
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
