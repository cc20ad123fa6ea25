"""evaluate switches gradients off with torch.set_grad_enabled(False) and never back on: the next training step has no graph to run backward through

catches: test_evaluate_no_grad, test_fit_keeps_best
"""


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    torch.set_grad_enabled(False)  # global, until someone turns it on again
    total_loss, correct, count = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        logits = model(x)
        total_loss += loss_fn(logits, y).item() * len(y)
        correct += (logits.argmax(dim=1) == y).sum().item()
        count += len(y)
    return total_loss / count, correct / count
