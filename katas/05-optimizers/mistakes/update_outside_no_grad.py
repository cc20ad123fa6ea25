"""p -= lr * v outside torch.no_grad(): autograd refuses an in-place change to a leaf that requires grad

catches: test_sgd_momentum_first_update, test_sgd_momentum_matches_torch
"""


def sgd_momentum_update(params, velocities, lr, momentum):
    for p, v in zip(params, velocities):
        v.mul_(momentum).add_(p.grad)
        p -= lr * v
        p.grad = None
