"""NumPy's big-endian dtype for the header; NumPy arrays on the dataset; F.pad and stack; contiguous blocks per worker."""

import math

import torch.nn.functional as F


def read_idx(path):
    raw = np.frombuffer(gzip.decompress(Path(path).read_bytes()), dtype=np.uint8)
    ndim = int(raw[3])
    shape = raw[4 : 4 + 4 * ndim].view(">u4").astype(np.int64)
    return torch.tensor(raw[4 + 4 * ndim :].reshape(tuple(shape)))  # torch.tensor copies the read-only bytes


class MNISTDataset(Dataset):
    def __init__(self, root, train=True):
        name = "train" if train else "t10k"
        self.images = read_idx(f"{root}/{name}-images-idx3-ubyte.gz").numpy()
        self.labels = read_idx(f"{root}/{name}-labels-idx1-ubyte.gz").numpy().astype(np.int64)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        image = self.images[index].astype(np.float32) / np.float32(255)  # float32 / float32 stays float32
        return torch.from_numpy(image)[None], torch.tensor(self.labels[index])


def make_loader(dataset, batch_size, seed, num_workers=0):
    return DataLoader(dataset, batch_size, True, num_workers=num_workers,
                      generator=torch.Generator(device="cpu").manual_seed(seed))


def pad_collate(batch):
    longest = max(tokens.numel() for tokens, _ in batch)
    rows = [F.pad(tokens, (0, longest - tokens.numel()), value=0) for tokens, _ in batch]
    lengths = torch.as_tensor([tokens.numel() for tokens, _ in batch], dtype=torch.int64)
    return torch.stack(rows), lengths, torch.as_tensor([label for _, label in batch], dtype=torch.int64)


class ShardedStream(IterableDataset):
    def __init__(self, dataset):
        self.dataset = dataset

    def __iter__(self):
        total = len(self.dataset)
        info = get_worker_info()
        if info is None:
            start, stop = 0, total
        else:  # one contiguous block per worker; the last blocks may be shorter
            per_worker = math.ceil(total / info.num_workers)
            start = min(info.id * per_worker, total)
            stop = min(start + per_worker, total)
        for index in range(start, stop):
            yield self.dataset[index]
