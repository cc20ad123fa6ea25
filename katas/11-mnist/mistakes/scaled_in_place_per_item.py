"""the pixels stored as 0-255 floats and scaled in __getitem__ with image /= 255: the in-place division changes the stored image, so every later access divides it again (the second epoch trains on nearly black images)

catches: test_dataset_train, test_dataset_test
"""


class MnistDataset(Dataset):
    def __init__(self, root, train=True):
        images_file, labels_file = FILES[train]
        images = read_idx(Path(root) / images_file)
        labels = read_idx(Path(root) / labels_file)
        self.images = torch.from_numpy(images.astype(np.float32)).unsqueeze(1)  # 0-255, scaled on access
        self.labels = torch.from_numpy(labels.astype(np.int64))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        image = self.images[index]  # a view of the stored tensor
        image /= 255.0  # in place: the stored image is divided too
        return image, self.labels[index]
