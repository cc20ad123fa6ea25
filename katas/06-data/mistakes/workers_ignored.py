"""num_workers is not passed on, so everything loads in the main process

catches: test_loader_workers
"""


def make_loader(dataset, batch_size, seed, num_workers=0):
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator)
