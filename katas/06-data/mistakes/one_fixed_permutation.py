"""one permutation drawn in make_loader and passed as the sampler: every epoch repeats the same order

catches: test_loader_seeded
"""


def make_loader(dataset, batch_size, seed, num_workers=0):
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(dataset), generator=generator).tolist()  # drawn once, reused every epoch
    return DataLoader(dataset, batch_size=batch_size, sampler=order, num_workers=num_workers)
