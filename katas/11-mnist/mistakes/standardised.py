"""pixels standardised with MNIST's mean and std ((x / 255 - 0.1307) / 0.3081) instead of left in [0, 1]

catches: test_dataset_train, test_dataset_test
"""


class MnistDataset(Dataset):
    def __init__(self, root, train=True):
        images_file, labels_file = FILES[train]
        images = read_idx(Path(root) / images_file)
        labels = read_idx(Path(root) / labels_file)
        scaled = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
        self.images = (scaled - 0.1307) / 0.3081  # the usual normalisation, but the README asks for [0, 1]
        self.labels = torch.from_numpy(labels.astype(np.int64))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]
