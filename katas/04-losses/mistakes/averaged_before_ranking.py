def hardest_examples(logits, targets, k):
    return F.cross_entropy(logits, targets).topk(k).indices
