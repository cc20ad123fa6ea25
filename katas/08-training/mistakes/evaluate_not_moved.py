"""evaluate never moves the batches to device

catches: test_evaluate_moves_batches, test_fit_moves_batches
"""


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:  # never moved to device
            logits = model(x)
            total_loss += loss_fn(logits, y).item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            count += len(y)
    return total_loss / count, correct / count
