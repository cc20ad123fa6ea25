"""torch.cat([b, a]): the rows of b come first, so every sample sits at the wrong index

catches: test_join_batches
"""


def join_batches(a, b):
    return torch.cat([b, a], dim=0)
