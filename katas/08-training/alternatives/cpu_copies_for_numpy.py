"""Accuracy counted in NumPy on CPU copies (.cpu() first); the epoch mean with NumPy"""

import numpy as np


def train_one_epoch(model, loader, loss_fn, optimizer, device="cpu"):
    model.train()
    losses = [train_step(model, x.to(device), y.to(device), loss_fn, optimizer) for x, y in loader]
    return float(np.mean(losses))


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            total_loss += loss_fn(logits, y).item() * len(y)
            predicted, truth = logits.argmax(dim=1).cpu().numpy(), y.cpu().numpy()
            correct += int((predicted == truth).sum())
            count += len(y)
    return total_loss / count, correct / count
