"""the parameter moves with the old velocity before the velocity is updated: every step lags one gradient behind

catches: test_sgd_momentum_first_update, test_sgd_momentum_matches_torch
"""


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            p.sub_(lr * v)
            v.mul_(momentum).add_(p.grad)
            p.grad = None
