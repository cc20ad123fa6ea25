"""batch.to(device) on a dict batch: only tensors have .to()

catches: test_move_batch_nested, test_move_batch_real
"""


def move_batch(batch, device):
    return batch.to(device)  # a dict (or list, tuple) has no .to()
