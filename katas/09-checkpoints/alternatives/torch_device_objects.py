"""torch.device objects and keyword arguments throughout; a regular expression for the prefix"""

import re


def load_weights(model, path):
    model.load_state_dict(state_dict=torch.load(f=path, weights_only=True), strict=True)
    return model


def load_to_device(path, device):
    return torch.load(f=path, map_location=torch.device(device), weights_only=True)


def strip_prefix(state_dict, prefix="module."):
    start = re.compile("^" + re.escape(prefix))
    return {start.sub("", key, count=1): value for key, value in state_dict.items()}
