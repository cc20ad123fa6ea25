"""statistics.fmean over per-batch lists; the best model kept as a deep copy of the whole module"""

import statistics


def train_one_epoch(model, loader, loss_fn, optimizer, device="cpu"):
    model.train()
    losses = []
    for batch in loader:
        x, y = (t.to(device) for t in batch)
        losses.append(train_step(model, x, y, loss_fn, optimizer))
    return statistics.fmean(losses)


@torch.no_grad()
def _scores(model, loader, loss_fn, device):
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        logits = model(x)
        yield loss_fn(logits, y).item(), (logits.argmax(dim=1) == y).sum().item(), y.shape[0]


def evaluate(model, loader, loss_fn, device="cpu"):
    model.eval()
    scores = list(_scores(model, loader, loss_fn, device))
    samples = sum(n for _, _, n in scores)
    mean_loss = sum(loss * n for loss, _, n in scores) / samples
    return mean_loss, sum(right for _, right, _ in scores) / samples


def snapshot(model):
    return copy.deepcopy(model).state_dict()


def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs, device="cpu"):
    history, best_model = [], None
    for _ in range(epochs):
        history.append({"train_loss": train_one_epoch(model, train_loader, loss_fn, optimizer, device)})
        history[-1]["val_loss"], history[-1]["val_acc"] = evaluate(model, val_loader, loss_fn, device)
        if best_model is None or history[-1]["val_loss"] < min(h["val_loss"] for h in history[:-1]):
            best_model = copy.deepcopy(model)
    if best_model is not None:
        model.load_state_dict(best_model.state_dict())
    return history
