"""Weights saved from CPU copies and loaded with map_location="cpu" (load_state_dict copies them to the model's device); slicing off the prefix"""


def save_weights(model, path):
    torch.save({name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}, path)


def load_weights(model, path):
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model


def load_to_device(path, device):
    state = torch.load(path, map_location=lambda storage, location: storage, weights_only=True)  # CPU first
    return {name: tensor.to(device) for name, tensor in state.items()}


def strip_prefix(state_dict, prefix="module."):
    out = {}
    for key, value in state_dict.items():
        out[key[len(prefix) :] if key.startswith(prefix) else key] = value
    return out
