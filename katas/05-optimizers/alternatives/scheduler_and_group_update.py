"""Style: library pieces — a MultiplicativeLR scheduler stepped once for scale_lr, group dicts built with dict(), float(loss)."""

import warnings


def finetune_optimizer(model, lr):
    body = dict(params=list(model.body.parameters()))
    head = dict(params=list(model.head.parameters()), lr=lr * 10)
    return torch.optim.SGD([body, head], lr=lr, momentum=0.9)


def train_step(model, optimizer, loss_fn, x, y):
    optimizer.zero_grad(set_to_none=False)  # zeros instead of None: the same update
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return float(loss)


def scale_lr(optimizer, factor):
    with warnings.catch_warnings():  # it warns that no optimizer.step() came before this scheduler step
        warnings.simplefilter("ignore")
        torch.optim.lr_scheduler.MultiplicativeLR(optimizer, lambda epoch: factor).step()
