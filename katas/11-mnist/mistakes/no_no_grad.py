"""evaluate builds autograd graphs it never uses (no torch.no_grad())

catches: test_evaluate_no_grad
"""


def evaluate(model, loader):
    model.eval()
    correct, count = 0, 0
    for images, labels in loader:
        correct += (model(images).argmax(dim=1) == labels).sum().item()
        count += len(labels)
    return correct / count
