"""Style: every tensor made on the logits' device — .to(device=, dtype=), arange(device=), weights from torch.ones(device=)."""


def classification_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits, labels.to(device=logits.device, dtype=torch.long))


def stable_cross_entropy(logits, targets):
    rows = torch.arange(logits.shape[0], device=logits.device)
    return (torch.logsumexp(logits, dim=1) - logits[rows, targets]).mean()


def masked_token_loss(logits, targets, pad_index):
    per_token = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), reduction="none")
    weights = torch.ones(targets.shape, dtype=logits.dtype, device=logits.device)
    weights[targets == pad_index] = 0
    weights = weights.reshape(-1)
    return (per_token * weights).sum() / weights.sum()
