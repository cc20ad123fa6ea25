"""losses.topk(k, sorted=False): the k hardest samples, but not largest first

catches: test_hardest_examples
"""


def hardest_examples(logits, targets, k):
    return F.cross_entropy(logits, targets, reduction="none").topk(k, sorted=False).indices
