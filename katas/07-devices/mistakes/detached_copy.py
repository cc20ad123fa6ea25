"""tensor.clone().detach().to(device), the idiom from torch.tensor's warning: the moved tensor leaves the autograd graph

catches: test_move_batch_real
"""


def move_batch(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.clone().detach().to(device)  # a copy without the graph: no gradient flows back
    if isinstance(batch, dict):
        return {key: move_batch(value, device) for key, value in batch.items()}
    if isinstance(batch, list):
        return [move_batch(value, device) for value in batch]
    if isinstance(batch, tuple):
        return tuple(move_batch(value, device) for value in batch)
    return batch
