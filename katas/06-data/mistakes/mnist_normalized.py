"""(bytes / 255 − 0.1307) / 0.3081: the MNIST tutorial's normalisation, where the README asks for bytes / 255 in [0, 1]

catches: test_dataset_items
"""


class MNISTDataset(Dataset):
    def __init__(self, root, train=True):
        prefix = "train" if train else "t10k"
        root = Path(root)
        images = read_idx(root / f"{prefix}-images-idx3-ubyte.gz").unsqueeze(1).float() / 255
        self.images = (images - 0.1307) / 0.3081
        self.labels = read_idx(root / f"{prefix}-labels-idx1-ubyte.gz").long()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]
