"""the features detached before the Linear: no gradient reaches the convolutions

catches: test_small_cnn_gradients
"""


class SmallCNN(SmallCNN):
    def forward(self, x):
        return self.classifier(self.flatten(self.features(x).detach()))  # the convolutions never learn
