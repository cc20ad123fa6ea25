"""__len__ returns this subset's 4000 / 1000 instead of the number of images read

catches: test_dataset_other_folder
"""


class MNISTDataset(Dataset):
    def __init__(self, root, train=True):
        prefix = "train" if train else "t10k"
        root = Path(root)
        self.train = train
        self.images = read_idx(root / f"{prefix}-images-idx3-ubyte.gz").unsqueeze(1).float() / 255
        self.labels = read_idx(root / f"{prefix}-labels-idx1-ubyte.gz").long()

    def __len__(self):
        return 4000 if self.train else 1000  # the sizes of this one MNIST subset

    def __getitem__(self, index):
        return self.images[index], self.labels[index]
