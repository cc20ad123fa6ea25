"""evaluate averages the per-batch mean losses: a smaller last batch weighs as much as a full one

catches: test_evaluate_matches_reference, test_fit_best_epoch_rule
"""


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    losses, correct, count = [], 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            losses.append(loss_fn(logits, y).item())  # each batch counts once, whatever its size
            correct += (logits.argmax(dim=1) == y).sum().item()
            count += len(y)
    return sum(losses) / len(losses), correct / count
