class SmallCNN(SmallCNN):
    def __init__(self, in_size=28, channels=(8, 16), num_classes=10):
        super().__init__(in_size, channels, num_classes)
        side = conv_output_size(conv_output_size(in_size, 3), 3)  # the two poolings forgotten
        self.classifier = nn.Linear(channels[1] * side * side, num_classes)
