"""evaluate sets loss_fn.reduction = "sum" to add up per-sample losses and never sets it back: every later training step sums the batch instead of averaging it (a step size times the batch size)

catches: test_evaluate_no_grad, test_fit_keeps_best
"""


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    loss_fn.reduction = "sum"  # the caller's loss function, changed for good
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            total_loss += loss_fn(logits, y).item()
            correct += (logits.argmax(dim=1) == y).sum().item()
            count += len(y)
    return total_loss / count, correct / count
