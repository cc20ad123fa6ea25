"""model.zero_grad() first; evaluate under inference_mode puts the model back in the mode it found; clone() snapshots"""


def train_step(model, x, y, loss_fn, optimizer):
    model.zero_grad()  # the optimizer holds exactly the model's parameters: the same as optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return float(loss)


def evaluate(model, loader, loss_fn, device="cpu"):
    was_training = model.training
    model.eval()
    loss_sum, right, seen = 0.0, 0, 0
    try:
        with torch.inference_mode():
            for x, y in loader:
                x, y = x.to(device), y.to(device)
                logits = model(x)
                loss_sum += float(loss_fn(logits, y)) * y.numel()
                right += int((logits.argmax(1) == y).sum())
                seen += y.numel()
    finally:
        model.train(was_training)  # leave the model as it was given
    return loss_sum / seen, right / seen


def snapshot(model):
    return {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
