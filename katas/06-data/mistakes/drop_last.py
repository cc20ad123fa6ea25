"""drop_last=True in make_loader: the short last batch, and the samples in it, are never seen

catches: test_loader_batches
"""


def make_loader(dataset, batch_size, seed, num_workers=0):
    generator = torch.Generator()
    generator.manual_seed(seed)
    return DataLoader(
        dataset, batch_size=batch_size, shuffle=True, generator=generator, num_workers=num_workers, drop_last=True
    )
