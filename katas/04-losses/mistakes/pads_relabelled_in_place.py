"""targets[targets == pad_index] = -100 to reuse the default ignore_index: the caller's targets are overwritten

catches: test_masked_token_loss
"""


def masked_token_loss(logits, targets, pad_index):
    targets[targets == pad_index] = -100  # in place: the caller's tensor
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
