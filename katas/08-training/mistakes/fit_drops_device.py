"""fit does not pass device on, so training and evaluation fall back to "cpu"

catches: test_fit_moves_batches
"""


def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs, device="cpu"):
    history = []
    best_loss, best_state = float("inf"), None
    for _ in range(epochs):
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer)  # device not passed on
        val_loss, val_acc = evaluate(model, val_loader, loss_fn)
        history.append({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
        if val_loss < best_loss:
            best_loss, best_state = val_loss, snapshot(model)
    model.load_state_dict(best_state)
    return history
