"""Style: probabilities and boolean indexing — ranking by the target's probability, log_softmax with gather, pads dropped by a boolean index."""


def stable_cross_entropy(logits, targets):
    # log_softmax is computed stably (it subtracts each row's maximum)
    return -F.log_softmax(logits, dim=-1).gather(-1, targets[:, None]).mean()


def hardest_examples(logits, targets, k):
    # the loss −log p(target) falls as p(target) rises: the hardest samples have the smallest probability
    p_target = logits.softmax(dim=1)[torch.arange(logits.shape[0]), targets]
    return torch.topk(p_target, k, largest=False).indices


def masked_token_loss(logits, targets, pad_index):
    real = targets != pad_index  # (B, T) boolean mask
    return F.cross_entropy(logits[real], targets[real])
