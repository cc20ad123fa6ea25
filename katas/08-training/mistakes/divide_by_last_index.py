"""train_one_epoch divides the summed batch losses by the last index of enumerate (batches - 1)

catches: test_train_one_epoch_matches_reference
"""


def train_one_epoch(model, loader, loss_fn, optimizer, device="cpu"):
    model.train()
    total = 0.0
    for i, (x, y) in enumerate(loader):
        total += train_step(model, x.to(device), y.to(device), loss_fn, optimizer)
    return total / i  # i is the last index, one less than the number of batches
