"""p = p - lr * v makes a new tensor and rebinds a local name; the parameter never changes

catches: test_sgd_momentum_first_update, test_sgd_momentum_matches_torch
"""


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            v.mul_(momentum).add_(p.grad)
            p = p - lr * v
            p.grad = None
