"""train_one_epoch weights batch losses by batch size; the README asks for the mean of the batch losses

catches: test_train_one_epoch_matches_reference
"""


def train_one_epoch(model, loader, loss_fn, optimizer, device="cpu"):
    model.train()
    total, count = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        total += train_step(model, x, y, loss_fn, optimizer) * len(y)  # weighted by batch size
        count += len(y)
    return total / count  # the README asks for the mean of the batch losses
