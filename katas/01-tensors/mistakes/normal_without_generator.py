"""the generator is passed to torch.rand only: torch.randn then draws from the global random state

catches: test_random_tensors
"""


def random_tensors(shape, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=g), torch.randn(shape)
