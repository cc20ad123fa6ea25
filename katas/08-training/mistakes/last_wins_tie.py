"""val_loss <= best: a later epoch with an equal val_loss replaces the first

catches: test_fit_best_epoch_rule
"""


def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs, device="cpu"):
    history = []
    best_loss, best_state = float("inf"), None
    for _ in range(epochs):
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer, device)
        val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
        history.append({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
        if val_loss <= best_loss:  # a later epoch with the same val_loss replaces the first
            best_loss, best_state = val_loss, snapshot(model)
    model.load_state_dict(best_state)
    return history
