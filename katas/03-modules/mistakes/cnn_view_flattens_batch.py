class SmallCNN(SmallCNN):
    def forward(self, x):
        return self.classifier(self.features(x).view(-1))  # merges the batch axis too
