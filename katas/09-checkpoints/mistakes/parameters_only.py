def save_weights(model, path):
    torch.save(dict(model.named_parameters()), path)
