"""torch.Generator() never seeded with seed: every seed gives the same order

catches: test_loader_seeded
"""


def make_loader(dataset, batch_size, seed, num_workers=0):
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=torch.Generator(),
                      num_workers=num_workers)
