"""torch.randn for the uniform tensor: normal values, not uniform ones in [0, 1)

catches: test_random_tensors
"""


def random_tensors(shape, seed):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator), torch.randn(shape, generator=generator)
