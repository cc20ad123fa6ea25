"""struct for the header and torch.frombuffer; items converted in __getitem__; an explicit BatchSampler; islice shards."""

import itertools
import struct

from torch.utils.data import BatchSampler, RandomSampler


def read_idx(path):
    with gzip.open(path, "rb") as f:
        zero, dtype_code, ndim = struct.unpack(">HBB", f.read(4))
        shape = struct.unpack(f">{ndim}I", f.read(4 * ndim))
        body = bytearray(f.read())  # bytearray: writable memory, which torch.frombuffer wants
    return torch.frombuffer(body, dtype=torch.uint8).reshape(shape)


class MNISTDataset(Dataset):
    def __init__(self, root, train=True):
        split = "train" if train else "t10k"
        self.images = read_idx(Path(root) / f"{split}-images-idx3-ubyte.gz")  # kept as uint8: 4x less memory
        self.labels = read_idx(Path(root) / f"{split}-labels-idx1-ubyte.gz")

    def __len__(self):
        return self.images.shape[0]

    def __getitem__(self, index):
        image = self.images[index].to(torch.float32).div(255).unsqueeze(0)
        return image, int(self.labels[index])


def make_loader(dataset, batch_size, seed, num_workers=0):
    generator = torch.Generator().manual_seed(seed)
    sampler = BatchSampler(RandomSampler(dataset, generator=generator), batch_size=batch_size, drop_last=False)
    return DataLoader(dataset, batch_sampler=sampler, num_workers=num_workers, generator=generator)


def pad_collate(batch):
    lengths = torch.tensor([len(tokens) for tokens, _ in batch], dtype=torch.long)
    padded = torch.zeros(len(batch), int(lengths.max()), dtype=torch.long)
    for row, (tokens, _) in enumerate(batch):
        padded[row, : len(tokens)] = tokens
    labels = torch.tensor([label for _, label in batch], dtype=torch.long)
    return padded, lengths, labels


class ShardedStream(IterableDataset):
    def __init__(self, dataset):
        self.dataset = dataset

    def __iter__(self):
        info = get_worker_info()
        indices = range(len(self.dataset))
        if info is not None:
            indices = itertools.islice(indices, info.id, None, info.num_workers)
        return (self.dataset[i] for i in indices)
