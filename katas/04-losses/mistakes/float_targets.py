def classification_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits, labels)
