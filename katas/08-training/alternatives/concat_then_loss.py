"""One loss over the concatenated batches; every epoch's snapshot kept and the best chosen with min()"""


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    all_logits, all_labels = [], []
    with torch.no_grad():
        for x, y in loader:
            all_logits.append(model(x.to(device)))
            all_labels.append(y.to(device))
    logits, labels = torch.cat(all_logits), torch.cat(all_labels)
    # a mean-reduced loss over every sample at once is the mean loss per sample
    loss = loss_fn(logits, labels).item()
    accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
    return loss, accuracy


def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs, device="cpu"):
    history, snapshots = [], []
    for _ in range(epochs):
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer, device)
        val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
        history.append({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
        snapshots.append(snapshot(model))
    if history:
        best = min(range(len(history)), key=lambda i: history[i]["val_loss"])  # min() keeps the first of equals
        model.load_state_dict(snapshots[best])
    return history
