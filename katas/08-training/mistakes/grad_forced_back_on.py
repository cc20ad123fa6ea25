"""torch.set_grad_enabled(False) ... set_grad_enabled(True): evaluate called inside torch.no_grad() turns gradients on for its caller

catches: test_evaluate_no_grad

A function that changes a global mode puts back the mode it found; `with torch.no_grad():` does that.
"""


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    torch.set_grad_enabled(False)
    total_loss, correct, count = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        logits = model(x)
        total_loss += loss_fn(logits, y).item() * len(y)
        correct += (logits.argmax(dim=1) == y).sum().item()
        count += len(y)
    torch.set_grad_enabled(True)
    return total_loss / count, correct / count
