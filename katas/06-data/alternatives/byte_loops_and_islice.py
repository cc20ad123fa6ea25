"""Style: gzip.decompress and torch.frombuffer, a scaled image per item with a Python int label, a padding loop, itertools.islice sharding."""
import itertools


def read_idx(path):
    raw = gzip.decompress(Path(path).read_bytes())
    ndim = raw[3]
    dims = []
    for i in range(ndim):
        dims.append(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], byteorder="big", signed=False))
    body = bytearray(raw[4 + 4 * ndim :])
    return torch.frombuffer(body, dtype=torch.uint8).reshape(dims).clone()


class MNISTDataset(Dataset):
    def __init__(self, root, train=True):
        name = "train" if train else "t10k"
        self.images = read_idx(f"{root}/{name}-images-idx3-ubyte.gz")
        self.labels = read_idx(f"{root}/{name}-labels-idx1-ubyte.gz")

    def __len__(self):
        return self.images.shape[0]

    def __getitem__(self, i):
        return (self.images[i].to(torch.float32) / 255.0).unsqueeze(0), int(self.labels[i])


def pad_collate(batch):
    longest = max(t.numel() for t, _ in batch)
    padded = torch.zeros((len(batch), longest), dtype=torch.long)
    lengths = torch.empty(len(batch), dtype=torch.long)
    labels = torch.empty(len(batch), dtype=torch.long)
    for row, (tokens, label) in enumerate(batch):
        padded[row, : len(tokens)] = tokens
        lengths[row] = len(tokens)
        labels[row] = label
    return padded, lengths, labels


class ShardedStream(IterableDataset):
    def __init__(self, dataset):
        super().__init__()
        self.dataset = dataset

    def __iter__(self):
        info = get_worker_info()
        workers, me = (1, 0) if info is None else (info.num_workers, info.id)
        indices = itertools.islice(range(len(self.dataset)), me, None, workers)
        return (self.dataset[i] for i in indices)
