"""Style: torch.as_tensor for the labels (a tensor's own device is kept)."""


def to_labels(x):
    return torch.as_tensor(x, dtype=torch.long)
