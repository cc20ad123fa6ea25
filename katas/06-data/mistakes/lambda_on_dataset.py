"""a lambda stored on the dataset cannot be pickled, so spawned DataLoader workers fail

catches: test_dataset_picklable
"""


class MNISTDataset(Dataset):
    def __init__(self, root, train=True):
        prefix = "train" if train else "t10k"
        root = Path(root)
        self.images = read_idx(root / f"{prefix}-images-idx3-ubyte.gz")
        self.labels = read_idx(root / f"{prefix}-labels-idx1-ubyte.gz").long()
        self.transform = lambda image: image.unsqueeze(0).float() / 255  # a lambda cannot be pickled

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.transform(self.images[index]), self.labels[index]
