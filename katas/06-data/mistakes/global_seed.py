"""torch.manual_seed(seed) instead of a generator: resets everybody's randomness and still depends on later draws

catches: test_loader_seeded
"""


def make_loader(dataset, batch_size, seed, num_workers=0):
    torch.manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=num_workers)
