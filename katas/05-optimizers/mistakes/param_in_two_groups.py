"""model.parameters() in the first group already holds the head: torch.optim raises ValueError

catches: test_finetune_groups
"""


def finetune_optimizer(model, lr):
    return torch.optim.SGD(
        [{"params": model.parameters()}, {"params": model.head.parameters(), "lr": 10 * lr}],
        lr=lr, momentum=0.9,
    )
