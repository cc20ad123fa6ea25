"""fit loads the best snapshot back after every epoch whose val_loss got worse, so training restarts from it: the README loads it once, after the last epoch

catches: test_fit_keeps_best
"""


def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs, device="cpu"):
    history = []
    best_loss, best_state = float("inf"), None
    for _ in range(epochs):
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer, device)
        val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
        history.append({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
        if val_loss < best_loss:
            best_loss, best_state = val_loss, snapshot(model)
        else:
            model.load_state_dict(best_state)  # rolled back: the next epoch trains from the best again
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
