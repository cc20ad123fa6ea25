"""model.eval() never called: dropout stays on while measuring, so the results are noisy and too pessimistic

catches: test_evaluate_matches_reference
"""


def evaluate(model, loader, loss_fn, device="cpu"):
    # never calls model.eval(): dropout is still active while measuring
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            total_loss += loss_fn(logits, y).item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            count += len(y)
    return total_loss / count, correct / count
