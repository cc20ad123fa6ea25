def finetune_optimizer(model, lr):
    return torch.optim.SGD(
        [{"params": model.parameters()}, {"params": model.head.parameters(), "lr": 10 * lr}],
        lr=lr, momentum=0.9,
    )
