"""x.to(device) and y.to(device) on lines of their own: a tensor's .to() returns a moved copy, so the batch stays on the CPU

catches: test_train_one_epoch_moves_batches, test_evaluate_moves_batches
"""


def train_one_epoch(model, loader, loss_fn, optimizer, device="cpu"):
    model.train()
    total, batches = 0.0, 0
    for x, y in loader:
        x.to(device)  # the moved copies are thrown away
        y.to(device)
        total += train_step(model, x, y, loss_fn, optimizer)
        batches += 1
    return total / batches


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x.to(device)
            y.to(device)
            logits = model(x)
            total_loss += loss_fn(logits, y).item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            count += len(y)
    return total_loss / count, correct / count
