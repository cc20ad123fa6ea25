"""A dict of optimizer classes; model.zero_grad() keeping zeros; body = all minus head by id; copy_() updates."""

from functools import partial

_OPTIMIZERS = {"sgd": partial(torch.optim.SGD, momentum=0.9), "adam": torch.optim.Adam}


def make_optimizer(model, name, lr):
    return _OPTIMIZERS[name](model.parameters(), lr=lr)


def train_step(model, optimizer, loss_fn, x, y):
    model.zero_grad(set_to_none=False)  # zeros instead of None: step() sees the same gradients
    prediction = model(x)
    loss = loss_fn(prediction, y)
    loss.backward()
    optimizer.step()
    return loss.detach().item()


def finetune_optimizer(model, lr):
    head_ids = {id(p) for p in model.head.parameters()}
    body = [p for p in model.parameters() if id(p) not in head_ids]
    optimizer = torch.optim.SGD(body, lr=lr, momentum=0.9)
    optimizer.add_param_group({"params": list(model.head.parameters()), "lr": 10 * lr})
    return optimizer


def scale_lr(optimizer, factor):
    for group in optimizer.param_groups:
        group.update(lr=group["lr"] * factor)


def sgd_momentum_update(params, velocities, lr, momentum):
    for p, v in zip(params, velocities):
        with torch.no_grad():
            v.copy_(momentum * v + p.grad)
            p.copy_(p - lr * v)
        p.grad.zero_()
