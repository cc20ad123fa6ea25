"""a weight per token made with torch.ones(targets.shape): a CPU tensor, which a GPU batch cannot be multiplied with

catches: test_losses_stay_on_device
"""


def masked_token_loss(logits, targets, pad_index):
    per_token = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), reduction="none")
    weights = torch.ones(targets.shape, dtype=logits.dtype)  # the slip: no device=targets.device
    weights[targets == pad_index] = 0
    weights = weights.reshape(-1)
    return (per_token * weights).sum() / weights.sum()
