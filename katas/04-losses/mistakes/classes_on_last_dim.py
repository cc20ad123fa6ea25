def masked_token_loss(logits, targets, pad_index):
    return F.cross_entropy(logits, targets, ignore_index=pad_index)
