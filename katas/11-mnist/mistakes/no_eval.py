"""evaluate never calls model.eval(): dropout stays on while measuring accuracy

catches: test_evaluate_eval_mode
"""


def evaluate(model, loader):
    correct, count = 0, 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(dim=1) == labels).sum().item()
            count += len(labels)
    return correct / count
