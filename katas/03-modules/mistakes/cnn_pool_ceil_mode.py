"""nn.MaxPool2d(2, ceil_mode=True): an odd side keeps the incomplete last window (26 → 13 → 11 → 6), so the Linear sized with conv_output_size no longer fits

catches: test_small_cnn_forward
"""


class SmallCNN(nn.Module):
    def __init__(self, in_size=28, channels=(8, 16), num_classes=10):
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
            nn.Conv2d(c1, c2, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        )
        side = in_size
        for kernel, stride in ((3, 1), (2, 2), (3, 1), (2, 2)):
            side = conv_output_size(side, kernel, stride)
        self.flatten = nn.Flatten()
        self.classifier = nn.Linear(c2 * side * side, num_classes)

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))
