def train_one_epoch(model, loader, loss_fn, optimizer, device="cpu"):
    model.train()
    total, batches = 0.0, 0
    for x, y in loader:  # the batches stay wherever the loader put them
        total += train_step(model, x, y, loss_fn, optimizer)
        batches += 1
    return total / batches
