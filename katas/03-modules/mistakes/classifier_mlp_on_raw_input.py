"""h = self.center(x); return self.mlp(x): the centred tensor is computed, then the raw x goes into the MLP

catches: test_classifier_train_eval
"""


class Classifier(nn.Module):
    def __init__(self, in_features, hidden, num_classes):
        super().__init__()
        self.center = RunningCenter(in_features)
        self.mlp = MLP([in_features, hidden, num_classes])

    def forward(self, x):
        h = self.center(x)  # noqa: F841 - the slip: h is never used
        return self.mlp(x)
