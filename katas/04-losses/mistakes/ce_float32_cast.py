"""F.cross_entropy(logits.float(), ...): a defensive cast turns float64 logits into a float32 loss

catches: test_classification_loss_value
"""


def classification_loss(logits, labels):
    return F.cross_entropy(logits.float(), labels.long())
