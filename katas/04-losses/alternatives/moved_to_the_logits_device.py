"""Style: tensors made on the CPU and moved next to the logits — .long().to(device), arange(N).to(device), a zero made on the device for torch.where, a buffer filled row by row."""


def classification_loss(logits, labels):
    return F.cross_entropy(logits, labels.long().to(logits.device))


def stable_cross_entropy(logits, targets):
    rows = torch.arange(len(targets)).to(logits.device)
    return (torch.logsumexp(logits, dim=1) - logits[rows, targets]).mean()


def hardest_examples(logits, targets, k):
    losses = torch.zeros(len(targets), dtype=logits.dtype, device=logits.device)
    for i in range(len(targets)):  # one row at a time, into a buffer on the logits' device
        losses[i] = torch.logsumexp(logits[i], dim=0) - logits[i, targets[i]]
    return losses.topk(k).indices


def masked_token_loss(logits, targets, pad_index):
    per_token = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), reduction="none")
    real = targets.reshape(-1) != pad_index
    zero = torch.tensor(0.0, dtype=per_token.dtype, device=logits.device)
    return torch.where(real, per_token, zero).sum() / real.sum()
