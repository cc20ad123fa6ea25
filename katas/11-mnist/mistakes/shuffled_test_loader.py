"""the test loader shuffles too (shuffle=True copied from the training loader): the README wants the test order kept

catches: test_make_loaders_batches
"""


def make_loaders(root, batch_size=64, seed=0):
    generator = torch.Generator().manual_seed(seed)
    train = DataLoader(MnistDataset(root, train=True), batch_size=batch_size, shuffle=True, generator=generator)
    test = DataLoader(MnistDataset(root, train=False), batch_size=batch_size, shuffle=True)
    return train, test
