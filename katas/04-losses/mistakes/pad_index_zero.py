"""ignore_index=0 hard-coded: the pad_index argument is ignored

catches: test_masked_token_loss
"""


def masked_token_loss(logits, targets, pad_index):
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=0)
