"""fit keeps a deep copy of the best model and ends with `model = best_model`: that rebinds fit's local name, the caller's model keeps the last epoch's weights

catches: test_fit_keeps_best
"""

import copy


def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs, device="cpu"):
    history = []
    best_loss, best_model = float("inf"), None
    for _ in range(epochs):
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer, device)
        val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
        history.append({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
        if val_loss < best_loss:
            best_loss, best_model = val_loss, copy.deepcopy(model)
    if best_model is not None:
        model = best_model  # only fit's own variable changes: the caller still holds the trained model
    return history
