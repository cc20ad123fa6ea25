"""copy.deepcopy(batch), then the copy's tensors moved in place: the batch is left alone, but every tensor is a new leaf cut off from the caller's graph

catches: test_move_batch_real
"""

import copy


def _move_inside(container, device):
    keys = container.keys() if isinstance(container, dict) else range(len(container))
    for key in keys:
        value = container[key]
        if isinstance(value, torch.Tensor):
            container[key] = value.to(device)
        elif isinstance(value, (dict, list)):
            _move_inside(value, device)
        elif isinstance(value, tuple):
            moved = list(value)
            _move_inside(moved, device)
            container[key] = tuple(moved)


def move_batch(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, tuple):
        return tuple(move_batch(value, device) for value in batch)
    copied = copy.deepcopy(batch)  # deepcopy clones each tensor as a new leaf: no link to the original
    if isinstance(copied, (dict, list)):
        _move_inside(copied, device)
    return copied
