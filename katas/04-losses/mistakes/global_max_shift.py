"""one maximum for the whole batch instead of each row's: rows far below it underflow to log(0)

catches: test_stable_ce_large_logits
"""


def stable_cross_entropy(logits, targets):
    shift = logits.max()  # one maximum for the whole batch: rows far below it still underflow
    log_normalizer = shift + torch.exp(logits - shift).sum(dim=1).log()
    picked = logits.gather(1, targets.unsqueeze(1)).squeeze(1)
    return (log_normalizer - picked).mean()
