"""log(softmax(x)): a probability that underflows to 0 gives log(0) = -inf, an infinite loss

catches: test_stable_ce_large_logits
"""


def stable_cross_entropy(logits, targets):
    probs = torch.softmax(logits, dim=1)
    return -torch.log(probs.gather(1, targets.unsqueeze(1))).mean()
