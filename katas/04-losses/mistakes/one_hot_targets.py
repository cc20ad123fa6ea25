"""one-hot float targets where class indices are needed: ignore_index only works with indices

catches: test_masked_token_loss
"""


def masked_token_loss(logits, targets, pad_index):
    one_hot = F.one_hot(targets.reshape(-1), logits.size(-1)).float()
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), one_hot, ignore_index=pad_index)
