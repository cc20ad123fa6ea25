"""move_batch moves the tensors directly inside the container but does not walk nested containers

catches: test_move_batch_nested
"""


def move_batch(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {key: value.to(device) if isinstance(value, torch.Tensor) else value for key, value in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(value.to(device) if isinstance(value, torch.Tensor) else value for value in batch)
    return batch
