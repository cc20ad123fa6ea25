"""Paths on the dataset and numbers read once; per-item conversion with torch.div; a padding comprehension with torch.cat."""


class MNISTDataset(Dataset):
    def __init__(self, root, train=True):
        split = "train" if train else "t10k"
        images_file, labels_file = (
            Path(root) / f"{split}-{kind}.gz" for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")
        )
        self.pixels = read_idx(images_file)
        self.digits = read_idx(labels_file).tolist()  # plain Python ints pickle fine

    def __len__(self):
        return len(self.digits)

    def __getitem__(self, index):
        return torch.div(self.pixels[index][None].to(torch.float32), 255.0), self.digits[index]


def pad_collate(batch):
    longest = max(tokens.size(0) for tokens, _ in batch)
    padded = torch.stack([torch.cat([tokens, tokens.new_zeros(longest - tokens.size(0))]) for tokens, _ in batch])
    lengths = torch.tensor([tokens.size(0) for tokens, _ in batch])
    return padded, lengths, torch.tensor([label for _, label in batch])


class ShardedStream(IterableDataset):
    def __init__(self, dataset):
        self.dataset = dataset

    def __iter__(self):
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        return iter([self.dataset[i] for i in range(len(self.dataset))[worker::workers]])
