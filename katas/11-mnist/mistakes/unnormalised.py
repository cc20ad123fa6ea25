"""pixels left at 0..255 instead of being divided by 255

catches: test_dataset_train
"""


class MnistDataset(Dataset):
    def __init__(self, root, train=True):
        images_file, labels_file = FILES[train]
        images = read_idx(Path(root) / images_file)
        self.images = torch.from_numpy(images.astype(np.float32)).unsqueeze(1)  # still 0..255
        self.labels = torch.from_numpy(read_idx(Path(root) / labels_file).astype(np.int64))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]
