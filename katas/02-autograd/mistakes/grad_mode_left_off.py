def predict(model, x):
    torch.set_grad_enabled(False)
    return model(x)
