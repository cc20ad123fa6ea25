def predict(model, x):
    torch.set_grad_enabled(False)
    out = model(x)
    torch.set_grad_enabled(True)  # forces tracking on, even if the caller had it off
    return out
