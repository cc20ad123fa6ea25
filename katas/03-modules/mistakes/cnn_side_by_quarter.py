"""side = in_size // 4 - 2: a shortcut that gives 5 for 28 (and 6 for 32) but not for every size

catches: test_small_cnn_layers

The true side is ((in_size − 2) // 2 − 2) // 2 = (in_size − 6) // 4; in_size // 4 − 2 agrees only
when in_size % 4 is 0, 1 (and for some other sizes by luck).
"""


class SmallCNN(nn.Module):
    def __init__(self, in_size=28, channels=(8, 16), num_classes=10):
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        )
        side = in_size // 4 - 2
        self.flatten = nn.Flatten()
        self.classifier = nn.Linear(c2 * side * side, num_classes)

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))
