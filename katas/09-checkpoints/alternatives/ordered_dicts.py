"""collections.OrderedDict and slicing; the checkpoint as a dict() call with keyword arguments"""

from collections import OrderedDict


def save_checkpoint(path, model, optimizer, epoch):
    torch.save(dict(model=model.state_dict(), optimizer=optimizer.state_dict(), epoch=epoch), path)


def load_checkpoint(path, model, optimizer):
    checkpoint = torch.load(path, map_location=None, weights_only=True)
    model.load_state_dict(checkpoint["model"], strict=True)
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"]


def strip_prefix(state_dict, prefix="module."):
    return OrderedDict(
        (key[len(prefix):] if key.startswith(prefix) else key, value) for key, value in state_dict.items()
    )
