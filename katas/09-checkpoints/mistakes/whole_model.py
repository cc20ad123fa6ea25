def save_weights(model, path):
    torch.save(model, path)
