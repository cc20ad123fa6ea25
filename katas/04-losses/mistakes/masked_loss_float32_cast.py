"""a defensive .float() on the logits: float64 logits give a float32 loss

catches: test_masked_token_loss
"""


def masked_token_loss(logits, targets, pad_index):
    classes = logits.size(-1)
    return F.cross_entropy(
        logits.reshape(-1, classes).float(), targets.reshape(-1).long(), ignore_index=pad_index
    )
