"""evaluate switches grad mode off by hand and back in a finally; the epoch mean from a tensor of losses; the best model kept as a deep copy and loaded back"""

import copy


def train_one_epoch(model, loader, loss_fn, optimizer, device="cpu"):
    model.train()
    losses = [train_step(model, x.to(device), y.to(device), loss_fn, optimizer) for x, y in loader]
    return torch.tensor(losses, dtype=torch.float64).mean().item()


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    grad_was = torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    try:
        total_loss, correct, count = 0.0, 0, 0
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            total_loss += loss_fn(logits, y).item() * y.numel()
            correct += int((logits.argmax(dim=1) == y).sum())
            count += y.numel()
    finally:  # grad mode as it was, even when the model raises
        torch.set_grad_enabled(grad_was)
    return total_loss / count, correct / count


def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs, device="cpu"):
    history, best = [], None
    for _ in range(epochs):
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer, device)
        val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
        history.append({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
        if best is None or val_loss < best[0]:
            best = (val_loss, copy.deepcopy(model))
    if best is not None:
        model.load_state_dict(best[1].state_dict())
    return history
