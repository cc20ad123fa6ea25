"""optimizer.step(closure); head parameters picked by name; torch._foreach_* list ops for the hand-written update."""


def make_optimizer(model, name, lr):
    params = list(model.parameters())
    if name == "adam":
        return torch.optim.Adam(params, lr)
    return torch.optim.SGD(params, lr, 0.9)


def train_step(model, optimizer, loss_fn, x, y):
    def closure():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss

    return float(optimizer.step(closure))  # step() runs the closure once and returns its loss


def finetune_optimizer(model, lr):
    named = list(model.named_parameters())
    body = [p for key, p in named if not key.startswith("head.")]
    head = [p for key, p in named if key.startswith("head.")]
    return torch.optim.SGD([{"params": body, "lr": lr}, {"params": head, "lr": lr * 10}], lr=lr, momentum=0.9)


def scale_lr(optimizer, factor):
    for i in range(len(optimizer.param_groups)):
        optimizer.param_groups[i]["lr"] = optimizer.param_groups[i]["lr"] * factor


@torch.no_grad()
def sgd_momentum_update(params, velocities, lr, momentum):
    grads = [p.grad for p in params]
    torch._foreach_mul_(velocities, momentum)
    torch._foreach_add_(velocities, grads)
    torch._foreach_add_(params, velocities, alpha=-lr)
    for p in params:
        p.grad = None
