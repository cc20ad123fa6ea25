"""torch.cat([a, b], dim=1) glues features side by side instead of adding rows

catches: test_join_batches
"""


def join_batches(a, b):
    return torch.cat([a, b], dim=1)
