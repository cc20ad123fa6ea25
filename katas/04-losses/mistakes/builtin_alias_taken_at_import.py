"""F.cross_entropy under another name, bound when the file is imported (a spy set later misses it)

catches: test_stable_ce_by_hand
"""
from torch.nn.functional import cross_entropy as _cross_entropy
from torch._C._nn import cross_entropy_loss as _cross_entropy_op


def stable_cross_entropy(logits, targets):
    if logits.dtype == torch.float64:
        return _cross_entropy_op(logits, targets, None, 1, -100, 0.0)
    return _cross_entropy(logits, targets)
