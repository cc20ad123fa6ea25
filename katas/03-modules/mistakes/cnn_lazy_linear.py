"""nn.LazyLinear sizes itself from the first batch: a 32x32 image into SmallCNN(in_size=28) goes unnoticed

catches: test_small_cnn_layers, test_small_cnn_wrong_size
"""


class SmallCNN(SmallCNN):
    def __init__(self, in_size=28, channels=(8, 16), num_classes=10):
        super().__init__(in_size, channels, num_classes)
        self.classifier = nn.LazyLinear(num_classes)  # sizes itself on the first batch, whatever its size
