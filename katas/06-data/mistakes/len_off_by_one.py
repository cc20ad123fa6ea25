"""__len__ returns one less than the number of images (a habit from `range(len - 1)` loops): the last image is never loaded

catches: test_dataset_items, test_dataset_train_split, test_dataset_other_folder
"""


class MNISTDataset(Dataset):
    def __init__(self, root, train=True):
        prefix = "train" if train else "t10k"
        root = Path(root)
        self.images = read_idx(root / f"{prefix}-images-idx3-ubyte.gz").unsqueeze(1).float() / 255
        self.labels = read_idx(root / f"{prefix}-labels-idx1-ubyte.gz").long()

    def __len__(self):
        return len(self.labels) - 1  # the last index is len - 1, so the length is one less (it is not)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]
