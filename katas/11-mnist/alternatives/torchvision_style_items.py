"""Style: torchvision's MNIST item (a Python int label, the image scaled per item from the stored uint8 pixels); a RandomSampler with its own generator; the classic tutorial's torch.max(outputs, 1) count"""

from torch.utils.data import RandomSampler


class MnistDataset(Dataset):
    def __init__(self, root, train=True):
        images_file, labels_file = FILES[train]
        self.pixels = read_idx(Path(root) / images_file)  # uint8, kept as read
        self.targets = read_idx(Path(root) / labels_file)

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        image = torch.tensor(self.pixels[index], dtype=torch.float32).div(255).unsqueeze(0)  # a new tensor each time
        return image, int(self.targets[index])  # the default collate makes int64 batches of Python ints


def make_loaders(root, batch_size=64, seed=0):
    train_set = MnistDataset(root, train=True)
    sampler = RandomSampler(train_set, generator=torch.Generator().manual_seed(seed))
    train = DataLoader(train_set, batch_size=batch_size, sampler=sampler)
    test = DataLoader(MnistDataset(root, train=False), batch_size=batch_size, shuffle=False)
    return train, test


def evaluate(model, loader):
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for images, labels in loader:
            _, predicted = torch.max(model(images), 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return correct / total
