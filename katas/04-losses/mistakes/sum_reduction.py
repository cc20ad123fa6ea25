def classification_loss(logits, labels):
    return nn.CrossEntropyLoss(reduction="sum")(logits, labels.long())
