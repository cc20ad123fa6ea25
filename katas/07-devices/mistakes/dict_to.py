def move_batch(batch, device):
    return batch.to(device)  # a dict (or list, tuple) has no .to()
