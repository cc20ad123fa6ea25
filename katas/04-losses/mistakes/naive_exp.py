def stable_cross_entropy(logits, targets):
    exp = torch.exp(logits)
    picked = exp.gather(1, targets.unsqueeze(1)).squeeze(1)
    return -torch.log(picked / exp.sum(dim=1)).mean()
