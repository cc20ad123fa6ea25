"""Style: plain Python loops — a row at a time with 0-d tensors and torch.stack, sorted() for the ranking, a double loop over tokens."""
from typing import List


def stable_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Row by row: max shift, log-sum-exp, minus the target logit."""
    losses: List[torch.Tensor] = []
    for row, t in zip(logits, targets):
        m = row.max()
        losses.append(m + torch.log(torch.sum(torch.exp(row - m))) - row[t])
    return torch.stack(losses).mean()


def hardest_examples(logits, targets, k):
    losses = [F.cross_entropy(logits[i : i + 1], targets[i : i + 1]) for i in range(len(targets))]
    order = sorted(range(len(losses)), key=lambda i: -losses[i].item())
    return torch.tensor(order[:k], dtype=torch.long)


def regression_loss(pred, target):
    diff = pred.flatten() - target.flatten()
    return (diff * diff).sum() / diff.numel()


def masked_token_loss(logits, targets, pad_index):
    total, count = 0, 0
    for b in range(targets.shape[0]):
        for t in range(targets.shape[1]):
            if targets[b, t] != pad_index:
                total = total + F.cross_entropy(logits[b, t].unsqueeze(0), targets[b, t].unsqueeze(0))
                count += 1
    return total / count
