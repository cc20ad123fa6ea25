def classification_loss(logits, labels):
    return nn.CrossEntropyLoss()(torch.softmax(logits, dim=1), labels.long())
