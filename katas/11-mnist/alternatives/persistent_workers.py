"""Style: both loaders with worker processes kept alive across epochs (num_workers=2, persistent_workers=True)."""


def make_loaders(root, batch_size=64, seed=0):
    workers = dict(num_workers=2, persistent_workers=True)
    generator = torch.Generator().manual_seed(seed)
    train = DataLoader(MnistDataset(root, train=True), batch_size=batch_size, shuffle=True, generator=generator,
                       **workers)
    test = DataLoader(MnistDataset(root, train=False), batch_size=batch_size, **workers)
    return train, test
