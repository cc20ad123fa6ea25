"""move_batch assigns the moved tensors into the caller's dict and list instead of building new ones

catches: test_move_batch_nested
"""


def move_batch(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        for key in batch:
            batch[key] = move_batch(batch[key], device)  # rewrites the caller's dict
        return batch
    if isinstance(batch, list):
        for i, value in enumerate(batch):
            batch[i] = move_batch(value, device)
        return batch
    if isinstance(batch, tuple):
        return tuple(move_batch(value, device) for value in batch)
    return batch
