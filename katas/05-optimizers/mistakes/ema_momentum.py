"""v = momentum * v + (1 − momentum) * grad: the "exponential average" form of momentum, not PyTorch's

catches: test_sgd_momentum_first_update, test_sgd_momentum_matches_torch
"""


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            v.mul_(momentum).add_((1 - momentum) * p.grad)
            p.sub_(lr * v)
            p.grad = None
