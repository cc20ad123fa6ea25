"""Header sizes parsed in a loop; the whole split converted with .to(); new_full padding; a modulo test per index."""


def read_idx(path):
    with gzip.open(path) as f:
        data = f.read()
    ndim = data[3]
    shape, offset = [], 4
    for _ in range(ndim):
        shape.append(int.from_bytes(data[offset : offset + 4], byteorder="big", signed=False))
        offset += 4
    return torch.frombuffer(bytearray(data), dtype=torch.uint8, offset=offset).view(*shape)


class MNISTDataset(Dataset):
    def __init__(self, root, train=True):
        files = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz") if train else \
            ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
        images, labels = (read_idx(Path(root, name)) for name in files)
        self.images = images.to(torch.float32).div_(255.0).reshape(-1, 1, 28, 28)
        self.labels = labels.to(torch.int64)

    def __len__(self):
        return self.labels.numel()

    def __getitem__(self, index):
        return self.images[index], self.labels[index].item()


def make_loader(dataset, batch_size, seed, num_workers=0):
    g = torch.Generator()
    g.manual_seed(int(seed))
    return DataLoader(dataset=dataset, batch_size=batch_size, shuffle=True, generator=g, num_workers=num_workers,
                      drop_last=False)


def pad_collate(batch):
    sequences = [tokens for tokens, _ in batch]
    width = max(map(len, sequences))
    padded = sequences[0].new_full((len(sequences), width), 0)
    for row, tokens in enumerate(sequences):
        padded[row, : tokens.shape[0]] = tokens
    return padded, torch.LongTensor([len(s) for s in sequences]), torch.LongTensor([label for _, label in batch])


class ShardedStream(IterableDataset):
    def __init__(self, dataset):
        self.dataset = dataset

    def __iter__(self):
        info = get_worker_info()
        workers, me = (1, 0) if info is None else (info.num_workers, info.id)
        for index in range(len(self.dataset)):
            if index % workers == me:
                yield self.dataset[index]
