"""(B, T, C) logits passed as they are: CrossEntropyLoss reads dim 1 (time) as the classes

catches: test_masked_token_loss
"""


def masked_token_loss(logits, targets, pad_index):
    return F.cross_entropy(logits, targets, ignore_index=pad_index)
