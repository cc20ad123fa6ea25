"""logits.view(-1, C) raises on logits that are not contiguous in memory; reshape works on any layout

catches: test_masked_token_loss
"""


def masked_token_loss(logits, targets, pad_index):
    return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=pad_index)
