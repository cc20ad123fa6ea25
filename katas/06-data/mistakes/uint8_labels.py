"""labels kept as read_idx returns them (uint8): CrossEntropyLoss wants int64 class indices

catches: test_dataset_items
"""


class MNISTDataset(Dataset):
    def __init__(self, root, train=True):
        prefix = "train" if train else "t10k"
        root = Path(root)
        self.images = read_idx(root / f"{prefix}-images-idx3-ubyte.gz").unsqueeze(1).float() / 255
        self.labels = read_idx(root / f"{prefix}-labels-idx1-ubyte.gz")  # the slip: still uint8

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]
