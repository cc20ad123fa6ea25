"""total += loss adds tensors: the epoch's loss is a tensor that keeps every batch's graph alive

catches: test_train_one_epoch_returns_float
"""


def train_one_epoch(model, loader, loss_fn, optimizer, device="cpu"):
    model.train()
    total, batches = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss  # a tensor: every batch's graph stays alive
        batches += 1
    return total / batches
