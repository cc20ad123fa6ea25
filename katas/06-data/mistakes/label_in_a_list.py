"""torch.tensor([label]): a label of shape (1,), so a batch of labels is (B, 1) and CrossEntropyLoss refuses it

catches: test_dataset_items
"""


class MNISTDataset(Dataset):
    def __init__(self, root, train=True):
        prefix = "train" if train else "t10k"
        root = Path(root)
        self.images = read_idx(root / f"{prefix}-images-idx3-ubyte.gz").unsqueeze(1).float() / 255
        self.labels = read_idx(root / f"{prefix}-labels-idx1-ubyte.gz").long()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], torch.tensor([int(self.labels[index])])
