def load_to_device(path, device):
    state = torch.load(path, weights_only=True)
    return {key: value.to(device) for key, value in state.items()}
