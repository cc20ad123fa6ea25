"""one module-level generator reseeded by every make_loader call: a second loader changes the first one's order

catches: test_loaders_independent
"""


_GENERATOR = torch.Generator()  # one generator shared by every loader this module makes


def make_loader(dataset, batch_size, seed, num_workers=0):
    _GENERATOR.manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=_GENERATOR, num_workers=num_workers)
