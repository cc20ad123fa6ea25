"""velocities[i] = momentum * v + g puts a new tensor in the list: the velocity the caller holds never changes

catches: test_sgd_momentum_first_update, test_sgd_momentum_matches_torch
"""


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for i, p in enumerate(params):
            velocities[i] = momentum * velocities[i] + p.grad  # a new tensor in the list, not an in-place update
            p -= lr * velocities[i]
            p.grad = None
