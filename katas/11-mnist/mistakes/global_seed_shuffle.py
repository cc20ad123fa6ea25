"""torch.manual_seed in make_loaders without a generator: the order depends on what ran before iteration

catches: test_make_loaders_reproducible
"""


def make_loaders(root, batch_size=64, seed=0):
    torch.manual_seed(seed)  # the shuffle order is drawn later, when iteration starts
    train = DataLoader(MnistDataset(root, train=True), batch_size=batch_size, shuffle=True)
    test = DataLoader(MnistDataset(root, train=False), batch_size=batch_size)
    return train, test
