"""logits.argmax() without dim=1: the index into the flattened batch, not each sample's class

catches: test_evaluate_matches_reference
"""


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            total_loss += loss_fn(logits, y).item() * len(y)
            correct += (logits.argmax() == y).sum().item()
            count += len(y)
    return total_loss / count, correct / count
