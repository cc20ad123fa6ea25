"""the hand-written update forgets zero_grad's part, so the next backward() adds to the old gradient

catches: test_sgd_momentum_first_update, test_sgd_momentum_matches_torch
"""


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            v.mul_(momentum).add_(p.grad)
            p -= lr * v
