"""mlp(center(x).detach()): "the centering is only statistics", so the gradient stops before the input

catches: test_classifier_train_eval

The MLP's own gradients are unchanged, but nothing flows back to x (or to any layer a bigger model
puts before the classifier).
"""


class Classifier(nn.Module):
    def __init__(self, in_features, hidden, num_classes):
        super().__init__()
        self.center = RunningCenter(in_features)
        self.mlp = MLP([in_features, hidden, num_classes])

    def forward(self, x):
        return self.mlp(self.center(x).detach())
