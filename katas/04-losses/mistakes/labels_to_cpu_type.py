"""labels.type(torch.LongTensor): the right dtype, but a CPU tensor type, so on a GPU the labels leave the logits' device

catches: test_losses_stay_on_device
"""


def classification_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits, labels.type(torch.LongTensor))
