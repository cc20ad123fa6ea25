"""the head's learning rate written as 0.1 instead of 10 * lr: right for lr = 0.01 only

catches: test_finetune_groups
"""


def finetune_optimizer(model, lr):
    return torch.optim.SGD(
        [{"params": model.body.parameters()}, {"params": model.head.parameters(), "lr": 0.1}],
        lr=lr, momentum=0.9,
    )
