"""make_loaders: the test loader with a fixed batch_size=1000 instead of the batch_size it is given

catches: test_make_loaders_batches

Both loaders take batch_size: evaluation of a large model may need the small batches the caller chose.
"""


def make_loaders(root, batch_size=64, seed=0):
    generator = torch.Generator().manual_seed(seed)
    train = DataLoader(MnistDataset(root, train=True), batch_size=batch_size, shuffle=True, generator=generator)
    test = DataLoader(MnistDataset(root, train=False), batch_size=1000)  # batch_size ignored
    return train, test
