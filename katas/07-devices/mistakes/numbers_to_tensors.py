"""move_batch turns numbers into tensors instead of keeping them

catches: test_move_batch_nested
"""


def move_batch(batch, device):
    if isinstance(batch, dict):
        return {key: move_batch(value, device) for key, value in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(move_batch(value, device) for value in batch)
    if isinstance(batch, str) or batch is None:
        return batch
    return torch.as_tensor(batch).to(device)  # numbers become tensors too
