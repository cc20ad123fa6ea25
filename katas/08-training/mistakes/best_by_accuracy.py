"""fit keeps the epoch with the highest val_acc instead of the lowest val_loss

catches: test_fit_best_epoch_rule
"""


def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs, device="cpu"):
    history = []
    best_acc, best_state = -1.0, None
    for _ in range(epochs):
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer, device)
        val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
        history.append({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
        if val_acc > best_acc:  # the README's best epoch is the lowest val_loss, not the highest accuracy
            best_acc, best_state = val_acc, snapshot(model)
    model.load_state_dict(best_state)
    return history
