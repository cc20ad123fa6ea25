"""Style: the convolutions padded by name, padding="valid" (no padding, as the default)."""


class SmallCNN(nn.Module):
    def __init__(self, in_size=28, channels=(8, 16), num_classes=10):
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, kernel_size=3, padding="valid"), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, kernel_size=3, padding="valid"), nn.ReLU(), nn.MaxPool2d(2),
        )
        side = in_size
        for kernel, stride in ((3, 1), (2, 2), (3, 1), (2, 2)):
            side = conv_output_size(side, kernel, stride)
        self.flatten = nn.Flatten()
        self.classifier = nn.Linear(c2 * side * side, num_classes)

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))
