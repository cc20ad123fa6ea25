"""train_one_epoch never moves the batches to device: invisible on a CPU, a device error on a GPU

catches: test_train_one_epoch_moves_batches, test_fit_moves_batches
"""


def train_one_epoch(model, loader, loss_fn, optimizer, device="cpu"):
    model.train()
    total, batches = 0.0, 0
    for x, y in loader:  # the batches stay wherever the loader put them
        total += train_step(model, x, y, loss_fn, optimizer)
        batches += 1
    return total / batches
