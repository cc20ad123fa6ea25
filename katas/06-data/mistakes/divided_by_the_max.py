"""images / images.max(): scaled by the brightest pixel the folder holds, not by 255

catches: test_dataset_other_folder

Real MNIST happens to reach 255, so this looks right on it; another folder's brightest pixel may be
200, and the same bytes then give other values. A pixel's value is its byte / 255, wherever it is.
"""


class MNISTDataset(Dataset):
    def __init__(self, root, train=True):
        prefix = "train" if train else "t10k"
        images = read_idx(Path(root) / f"{prefix}-images-idx3-ubyte.gz").unsqueeze(1).float()
        self.images = images / images.max()
        self.labels = read_idx(Path(root) / f"{prefix}-labels-idx1-ubyte.gz").long()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]
