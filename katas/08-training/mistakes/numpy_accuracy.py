"""evaluate counts the right answers with NumPy (.numpy() on the predictions): fine on a CPU, "can't convert cuda:0 device type tensor to numpy" on a GPU

catches: test_evaluate_moves_batches, test_fit_moves_batches
"""


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            total_loss += loss_fn(logits, y).item() * len(y)
            correct += int((logits.argmax(dim=1).numpy() == y.numpy()).sum())  # only CPU tensors have .numpy()
            count += len(y)
    return total_loss / count, correct / count
