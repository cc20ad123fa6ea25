"""fit runs its own batch loop after a single model.train(): from epoch 2 on it trains in eval mode

catches: test_fit_keeps_best
"""


def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs, device="cpu"):
    history = []
    best_loss, best_state = float("inf"), None
    model.train()
    for _ in range(epochs):
        total, n = 0.0, 0
        for x, y in train_loader:
            total += train_step(model, x.to(device), y.to(device), loss_fn, optimizer)
            n += 1
        train_loss = total / n
        val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
        history.append({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
        if val_loss < best_loss:
            best_loss, best_state = val_loss, snapshot(model)
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
