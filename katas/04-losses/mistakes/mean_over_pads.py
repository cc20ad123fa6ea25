"""no ignore_index: the padding positions are averaged into the loss

catches: test_masked_token_loss
"""


def masked_token_loss(logits, targets, pad_index):
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
