"""labels kept as NumPy's uint8 (torch.from_numpy(labels)): CrossEntropyLoss wants int64 class indices

catches: test_dataset_train, test_dataset_test
"""


class MnistDataset(Dataset):
    def __init__(self, root, train=True):
        images_file, labels_file = FILES[train]
        images = read_idx(Path(root) / images_file)
        labels = read_idx(Path(root) / labels_file)
        self.images = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
        self.labels = torch.from_numpy(labels.copy())  # still uint8

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]
