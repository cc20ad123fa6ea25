def finetune_optimizer(model, lr):
    return torch.optim.SGD(
        [{"params": model.body.parameters()}, {"params": model.head.parameters(), "lr": 0.1}],
        lr=lr, momentum=0.9,
    )
