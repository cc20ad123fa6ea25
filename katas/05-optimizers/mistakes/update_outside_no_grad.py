def sgd_momentum_update(params, velocities, lr, momentum):
    for p, v in zip(params, velocities):
        v.mul_(momentum).add_(p.grad)
        p -= lr * v
        p.grad = None
