"""Style: .data updates and explicit lists — names checked with match, groups by module, lr read back from each group, p.data / v.copy_ for the hand update."""


def make_optimizer(model, name, lr):
    match name:
        case "sgd":
            return torch.optim.SGD([p for p in model.parameters()], lr=lr, momentum=0.9)
        case "adam":
            return torch.optim.Adam([p for p in model.parameters()], lr=lr)
    raise ValueError(f"unknown optimizer {name!r}")


def train_step(model, optimizer, loss_fn, x, y):
    optimizer.zero_grad(set_to_none=False)
    output = model(x)
    loss = loss_fn(output, y)
    loss.backward()
    optimizer.step()
    return float(loss)


def finetune_optimizer(model, lr):
    groups = [{"params": list(part.parameters()), "lr": rate} for part, rate in ((model.body, lr), (model.head, 10 * lr))]
    return torch.optim.SGD(groups, lr=lr, momentum=0.9)


def scale_lr(optimizer, factor):
    for group in optimizer.param_groups:
        group.update(lr=group["lr"] * factor)


def sgd_momentum_update(params, velocities, lr, momentum):
    for p, v in zip(params, velocities):
        v.copy_(momentum * v + p.grad)
        p.data -= lr * v  # .data: the tensor's values, outside autograd's view
        p.grad.zero_()
