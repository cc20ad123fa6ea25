"""nn.Conv2d(..., padding=1): "same" convolutions keep the side, so the Linear is sized for 28 → 14 → 7

catches: test_small_cnn_layers
"""


class SmallCNN(nn.Module):
    def __init__(self, in_size=28, channels=(8, 16), num_classes=10):
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        side = in_size // 2 // 2
        self.flatten = nn.Flatten()
        self.classifier = nn.Linear(c2 * side * side, num_classes)

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))
