"""evaluate averages the per-batch accuracies instead of counting correct answers over all samples

catches: test_evaluate_matches_reference
"""


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    total_loss, count, accuracies = 0.0, 0, []
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            total_loss += loss_fn(logits, y).item() * len(y)
            count += len(y)
            accuracies.append((logits.argmax(dim=1) == y).float().mean().item())  # a small last batch weighs as much
    return total_loss / count, sum(accuracies) / len(accuracies)
