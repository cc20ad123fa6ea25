"""{k: move(v) for k, v in batch.items() if v is not None}: a key whose value is None disappears from the batch

catches: test_move_batch_nested

Code after the move may look the key up (batch["mask"]): None is a value like a string or a number,
returned as it is, under its key.
"""


def move_batch(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: move_batch(v, device) for k, v in batch.items() if v is not None}
    if isinstance(batch, list):
        return [move_batch(v, device) for v in batch]
    if isinstance(batch, tuple):
        return tuple(move_batch(v, device) for v in batch)
    return batch
