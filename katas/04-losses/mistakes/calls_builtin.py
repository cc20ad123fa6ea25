def stable_cross_entropy(logits, targets):
    return F.cross_entropy(logits, targets)
