"""the mean of each sequence's mean: sequences of different lengths get equal weight, so short ones count too much

catches: test_masked_token_loss
"""


def masked_token_loss(logits, targets, pad_index):
    per_token = F.cross_entropy(logits.permute(0, 2, 1), targets, reduction="none")  # (B, T)
    mask = (targets != pad_index).to(per_token.dtype)
    return ((per_token * mask).sum(dim=1) / mask.sum(dim=1)).mean()
