"""an open file kept on the dataset cannot be pickled (and forked workers would share its position)

catches: test_dataset_picklable
"""


class MNISTDataset(Dataset):
    def __init__(self, root, train=True):
        prefix = "train" if train else "t10k"
        root = Path(root)
        self.labels = read_idx(root / f"{prefix}-labels-idx1-ubyte.gz").long()
        self.file = gzip.open(root / f"{prefix}-images-idx3-ubyte.gz", "rb")  # an open file cannot be pickled

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        self.file.seek(16 + 28 * 28 * index)
        image = torch.frombuffer(bytearray(self.file.read(28 * 28)), dtype=torch.uint8)
        return image.reshape(1, 28, 28).float() / 255, self.labels[index]
