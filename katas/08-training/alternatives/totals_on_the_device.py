"""Style: totals kept on the device, one .item() at the end — torch.zeros((), device=), torch.tensor(0, device=), a torch.device context."""


def train_one_epoch(model, loader, loss_fn, optimizer, device="cpu"):
    model.train()
    total = torch.zeros((), dtype=torch.float64, device=device)
    batches = 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        total += train_step(model, x, y, loss_fn, optimizer)
        batches += 1
    return total.item() / batches


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    with torch.no_grad(), torch.device(device):
        total_loss = torch.zeros(())
        correct = torch.zeros((), dtype=torch.long)
        count = 0
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            total_loss += loss_fn(logits, y) * len(y)
            correct += (logits.argmax(dim=1) == y).sum()
            count += len(y)
    return total_loss.item() / count, correct.item() / count
