"""zero_grad(set_to_none=True) first, torch.inference_mode(), len(loader.dataset), clone() snapshots"""


def train_step(model, x, y, loss_fn, optimizer):
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return float(loss.detach())


def train_one_epoch(model, loader, loss_fn, optimizer, device="cpu"):
    model.train()
    losses = [train_step(model, x.to(device), y.to(device), loss_fn, optimizer) for x, y in loader]
    return sum(losses) / len(losses)


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.inference_mode():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            loss_sum += loss_fn(logits, y).item() * y.size(0)
            correct += int((logits.argmax(1) == y).sum())
    samples = len(loader.dataset)
    return loss_sum / samples, correct / samples


def snapshot(model):
    return {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}


def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs, device="cpu"):
    history, best_epoch, best_state = [], None, None
    for epoch in range(epochs):
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer, device)
        val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
        history.append({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
        if best_epoch is None or val_loss < history[best_epoch]["val_loss"]:
            best_epoch, best_state = epoch, snapshot(model)
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
