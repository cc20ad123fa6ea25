"""evaluate returns the accuracy in percent (0 to 100) instead of a fraction from 0.0 to 1.0

catches: test_evaluate
"""


def evaluate(model, loader):
    model.eval()
    correct, count = 0, 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(dim=1) == labels).sum().item()
            count += len(labels)
    return 100.0 * correct / count
