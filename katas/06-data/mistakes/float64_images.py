"""NumPy's images / 255.0 is float64; models expect float32

catches: test_dataset_items, test_dataset_train_split
"""


class MNISTDataset(Dataset):
    def __init__(self, root, train=True):
        prefix = "train" if train else "t10k"
        root = Path(root)
        images = read_idx(root / f"{prefix}-images-idx3-ubyte.gz").numpy()
        self.images = torch.from_numpy(images[:, None] / 255.0)  # NumPy division gives float64
        self.labels = read_idx(root / f"{prefix}-labels-idx1-ubyte.gz").long()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]
