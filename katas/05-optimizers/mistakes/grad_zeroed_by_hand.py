"""p.grad.zero_() for every parameter: assumes a gradient is already there, so a fresh model's first step raises

catches: test_train_step

A parameter's .grad is None until its first backward(); optimizer.zero_grad() handles both states.
"""


def train_step(model, optimizer, loss_fn, x, y):
    for p in model.parameters():
        p.grad.zero_()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
