"""evaluate without torch.no_grad(): an autograd graph is built for every batch

catches: test_evaluate_no_grad
"""


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for x, y in loader:  # no torch.no_grad(): a graph is built for every batch
        x, y = x.to(device), y.to(device)
        logits = model(x)
        total_loss += loss_fn(logits, y).item() * len(y)
        correct += (logits.argmax(dim=1) == y).sum().item()
        count += len(y)
    return total_loss / count, correct / count
