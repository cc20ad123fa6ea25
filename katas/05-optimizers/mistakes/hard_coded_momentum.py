"""v.mul_(0.9) ignores the momentum argument: right only when momentum is 0.9

catches: test_sgd_momentum_matches_torch
"""


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            v.mul_(0.9).add_(p.grad)  # the momentum argument is ignored
            p -= lr * v
            p.grad = None
