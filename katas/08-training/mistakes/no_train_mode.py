"""model.train() never called again: after the first evaluate() the model trains with dropout off

catches: test_train_one_epoch_sets_train_mode
"""


def train_one_epoch(model, loader, loss_fn, optimizer, device="cpu"):
    # never calls model.train(): after evaluate() dropout stays off
    total, batches = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        total += train_step(model, x, y, loss_fn, optimizer)
        batches += 1
    return total / batches
