def masked_token_loss(logits, targets, pad_index):
    return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=pad_index)
