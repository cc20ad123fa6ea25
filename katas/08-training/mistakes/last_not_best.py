"""fit never restores the best epoch's weights and ends with the last epoch's

catches: test_fit_keeps_best
"""


def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs, device="cpu"):
    history = []
    for _ in range(epochs):
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer, device)
        val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
        history.append({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
    return history  # ends with the last epoch's weights, not the best
