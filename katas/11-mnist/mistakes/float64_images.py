"""images / 255.0 on a uint8 NumPy array gives float64; the model's weights are float32

catches: test_dataset_train, test_dataset_test
"""


class MnistDataset(Dataset):
    def __init__(self, root, train=True):
        images_file, labels_file = FILES[train]
        images = read_idx(Path(root) / images_file)
        self.images = torch.from_numpy(images / 255.0).unsqueeze(1)  # NumPy division gives float64
        self.labels = torch.from_numpy(read_idx(Path(root) / labels_file).astype(np.int64))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]
