def join_batches(a, b):
    return torch.cat([a, b], dim=1)
