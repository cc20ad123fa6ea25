"""one generator kept per seed and reused: the first call is right, a second call with the same seed continues the stream

"Do not recreate the generator on every call": a module-level dict keeps it, so the same seed no longer
gives the same tensors.
catches: test_random_tensors
"""

_GENERATORS = {}


def random_tensors(shape, seed):
    if seed not in _GENERATORS:
        _GENERATORS[seed] = torch.Generator().manual_seed(seed)
    generator = _GENERATORS[seed]
    return torch.rand(shape, generator=generator), torch.randn(shape, generator=generator)
