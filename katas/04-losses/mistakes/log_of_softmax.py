def stable_cross_entropy(logits, targets):
    probs = torch.softmax(logits, dim=1)
    return -torch.log(probs.gather(1, targets.unsqueeze(1))).mean()
