"""Style: sizing by a dummy forward pass — run a zero image through the features once to read the flat size."""


class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleDict({f"fc{i}": nn.Linear(a, b) for i, (a, b) in enumerate(zip(sizes, sizes[1:]))})

    def forward(self, x):
        names = list(self.layers)
        for name in names[:-1]:
            x = self.layers[name](x).clamp(min=0)
        return self.layers[names[-1]](x)


class SmallCNN(nn.Module):
    def __init__(self, in_size=28, channels=(8, 16), num_classes=10):
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(nn.Conv2d(1, c1, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
                                      nn.Conv2d(c1, c2, 3), nn.ReLU(), nn.MaxPool2d(2, 2))
        with torch.no_grad():
            flat = self.features(torch.zeros(1, 1, in_size, in_size)).numel()
        self.head = nn.Linear(flat, num_classes)

    def forward(self, x):
        features = self.features(x)
        return self.head(features.reshape(features.shape[0], -1))
