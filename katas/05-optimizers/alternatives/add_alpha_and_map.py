"""if/elif with keyword-only settings; grads set to None by hand; add_(alpha=) and addcmul-free in-place updates."""


def make_optimizer(model, name, lr):
    name = name.lower()
    if name == "adam":
        return torch.optim.Adam(params=model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8)
    elif name == "sgd":
        return torch.optim.SGD(params=model.parameters(), lr=lr, momentum=0.9, dampening=0, nesterov=False)
    raise ValueError(name)


def train_step(model, optimizer, loss_fn, x, y):
    for group in optimizer.param_groups:
        for p in group["params"]:
            p.grad = None
    loss = loss_fn(model.forward(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def finetune_optimizer(model, lr):
    body = {"params": list(model.body.parameters()), "lr": lr, "momentum": 0.9}
    head = {"params": list(model.head.parameters()), "lr": lr * 10, "momentum": 0.9}
    return torch.optim.SGD([body, head], lr=lr)


def scale_lr(optimizer, factor):
    list(map(lambda group: group.__setitem__("lr", group["lr"] * factor), optimizer.param_groups))


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for index in range(len(params)):
            p, v = params[index], velocities[index]
            v.mul_(momentum)
            v.add_(p.grad)
            p.add_(v, alpha=-lr)
            p.grad = None
