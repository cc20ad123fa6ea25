"""finetune_optimizer takes the last two parameters as the head: right only while the head is one Linear with a bias

catches: test_finetune_groups

model.head.parameters() is the head whatever its layers; a head without a bias has one parameter, and
the body's last bias would then train at 10 * lr.
"""


def finetune_optimizer(model, lr):
    return torch.optim.SGD(
        [
            {"params": list(model.parameters())[:-2]},
            {"params": list(model.parameters())[-2:], "lr": 10 * lr},
        ],
        lr=lr,
        momentum=0.9,
    )
