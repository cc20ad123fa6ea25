"""x.permute(0, 2, 3, 1).flatten(1): a channels-last flatten (the Keras habit), so each Linear weight meets another feature

catches: test_small_cnn_forward
"""


class SmallCNN(SmallCNN):
    def forward(self, x):
        features = self.features(x)
        return self.classifier(features.permute(0, 2, 3, 1).flatten(1))
