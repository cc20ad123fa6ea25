"""rebuilding tuples as lists changes the batch's structure

catches: test_move_batch_nested
"""


def move_batch(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {key: move_batch(value, device) for key, value in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [move_batch(value, device) for value in batch]  # a tuple comes back as a list
    return batch
