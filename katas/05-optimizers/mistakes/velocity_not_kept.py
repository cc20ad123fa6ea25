"""v = momentum * v + g rebinds a local name: the next call starts from zero velocity again

catches: test_sgd_momentum_matches_torch
"""


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            v = momentum * v + p.grad
            p -= lr * v
            p.grad = None
