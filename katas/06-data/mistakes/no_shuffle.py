"""a generator without shuffle=True does nothing: the samples come in their original order

catches: test_loader_batches, test_loader_seeded
"""


def make_loader(dataset, batch_size, seed, num_workers=0):
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, generator=generator, num_workers=num_workers)
