"""evaluate sums (pred == labels).sum() without .item(): the accuracy comes back as a tensor, not a Python float

catches: test_evaluate, test_evaluate_eval_mode

"""


def evaluate(model, loader):
    model.eval()
    correct, count = 0, 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(dim=1) == labels).sum()  # a tensor, no .item()
            count += len(labels)
    return correct / count  # tensor(0.92...)
