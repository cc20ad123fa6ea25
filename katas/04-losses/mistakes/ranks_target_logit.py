"""ranking by the raw logit of the target class (lowest first): the loss also depends on the other classes' logits

catches: test_hardest_examples
"""


def hardest_examples(logits, targets, k):
    target_logits = logits.gather(1, targets.unsqueeze(1)).squeeze(1)
    return target_logits.topk(k, largest=False).indices
