"""images.float() without / 255 keeps the pixel values in 0..255

catches: test_dataset_items, test_dataset_train_split
"""


class MNISTDataset(Dataset):
    def __init__(self, root, train=True):
        prefix = "train" if train else "t10k"
        root = Path(root)
        self.images = read_idx(root / f"{prefix}-images-idx3-ubyte.gz").unsqueeze(1).float()
        self.labels = read_idx(root / f"{prefix}-labels-idx1-ubyte.gz").long()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]
