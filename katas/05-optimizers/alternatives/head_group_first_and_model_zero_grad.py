"""Style: a dict of optimizer factories, model.zero_grad(), the head's group listed first, indexed param_groups, p.data updates."""
from functools import partial

_FACTORIES = {"sgd": partial(torch.optim.SGD, momentum=0.9), "adam": torch.optim.Adam}


def make_optimizer(model, name, lr):
    params = [p for p in model.parameters() if p.requires_grad]
    return _FACTORIES[name.lower()](params, lr=lr)


def train_step(model, optimizer, loss_fn, x, y):
    model.zero_grad(set_to_none=True)
    out = model(x)
    loss = loss_fn(out, y)
    loss.backward()
    optimizer.step()
    return float(loss)


def finetune_optimizer(model, lr):
    head = list(model.head.parameters())
    head_ids = {id(p) for p in head}
    body = [p for p in model.parameters() if id(p) not in head_ids]
    return torch.optim.SGD([{"params": head, "lr": lr * 10}, {"params": body, "lr": lr}], lr=lr, momentum=0.9)


def scale_lr(optimizer, factor):
    for i in range(len(optimizer.param_groups)):
        optimizer.param_groups[i]["lr"] = optimizer.param_groups[i]["lr"] * factor


def sgd_momentum_update(params, velocities, lr, momentum):
    for p, v in zip(params, velocities):
        v.mul_(momentum).add_(p.grad.data)
        p.data.add_(v, alpha=-lr)
        p.grad.zero_()
