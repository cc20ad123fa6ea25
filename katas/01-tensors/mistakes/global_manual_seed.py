"""torch.manual_seed(seed) inside the function reseeds the whole program's random state

catches: test_random_tensors
"""


def random_tensors(shape, seed):
    torch.manual_seed(seed)  # reseeds the whole program's random state
    return torch.rand(shape), torch.randn(shape)
