"""the Classifier's RunningCenter built with momentum=0.9 (the Keras convention) instead of the default 0.1

catches: test_classifier_train_eval
"""


class Classifier(Classifier):
    def __init__(self, in_features, hidden, num_classes):
        super().__init__(in_features, hidden, num_classes)
        self.center = RunningCenter(in_features, momentum=0.9)  # the Keras convention: weight of the old value
