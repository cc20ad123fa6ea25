"""samples ranked by the margin max(logits) − logits[target]: close to the loss for large logits, another order for small ones

catches: test_hardest_examples

The loss is logsumexp(logits) − logits[target]: every class counts, not only the largest.
"""


def hardest_examples(logits, targets, k):
    picked = logits.gather(1, targets.unsqueeze(1)).squeeze(1)
    losses = logits.max(dim=1).values - picked
    return losses.topk(k).indices
