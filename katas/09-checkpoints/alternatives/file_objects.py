"""Open file objects, map_location="cpu" then .to(device), and key checks of its own that raise ValueError"""


def save_weights(model, path):
    with open(path, "wb") as f:
        torch.save(model.state_dict(), f)


def load_weights(model, path):
    with open(path, "rb") as f:
        state = torch.load(f, weights_only=True)
    expected = set(model.state_dict())
    if set(state) != expected:
        raise ValueError(f"the file's keys {sorted(set(state) ^ expected)} do not match the model")
    model.load_state_dict(state)
    return model


def load_to_device(path, device):
    # through the CPU first: correct, only slower than creating each tensor on `device` directly
    state = torch.load(path, map_location="cpu", weights_only=True)
    return {key: value.to(device) for key, value in state.items()}
