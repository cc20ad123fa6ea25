"""momentum=0.9 given only in the head's group dict: the body group takes SGD's default momentum, 0

catches: test_finetune_groups
"""


def finetune_optimizer(model, lr):
    return torch.optim.SGD(
        [
            {"params": model.body.parameters()},
            {"params": model.head.parameters(), "lr": 10 * lr, "momentum": 0.9},
        ],
        lr=lr,
    )
