"""argsort()[-k:]: the k largest losses, but smallest of them first

catches: test_hardest_examples
"""


def hardest_examples(logits, targets, k):
    return F.cross_entropy(logits, targets, reduction="none").argsort()[-k:]
