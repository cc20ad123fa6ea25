"""Style: other ways to move a batch — torch.as_tensor(device=), labels to the inputs' device, .to(copy=, dtype=), moved twice."""


def train_one_epoch(model, loader, loss_fn, optimizer, device="cpu"):
    model.train()
    total, batches = 0.0, 0
    for x, y in loader:
        x = torch.as_tensor(x, dtype=torch.float32, device=device)
        y = y.to(device=device, dtype=torch.long, copy=True)
        optimizer.zero_grad()
        loss = loss_fn(model(x.to(device)), y.to(device))  # moved twice: the second move changes nothing
        loss.backward()
        optimizer.step()
        total += loss.item()
        batches += 1
    return total / batches


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x.to(device))
            y = y.to(logits.device)
            total_loss += loss_fn(logits, y).item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            count += len(y)
    return total_loss / count, correct / count
