"""a new generator seeded again for the normal tensor restarts the stream instead of continuing it

catches: test_random_tensors
"""


def random_tensors(shape, seed):
    uniform = torch.rand(shape, generator=torch.Generator().manual_seed(seed))
    normal = torch.randn(shape, generator=torch.Generator().manual_seed(seed))  # restarts the stream
    return uniform, normal
