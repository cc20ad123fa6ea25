"""F.cross_entropy inside the exercise that asks for cross-entropy written by hand

catches: test_stable_ce_by_hand
"""


def stable_cross_entropy(logits, targets):
    return F.cross_entropy(logits, targets)
