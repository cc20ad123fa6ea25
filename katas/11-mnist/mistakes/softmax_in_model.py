"""the model ends with nn.Softmax: CrossEntropyLoss then applies log-softmax to probabilities

catches: test_build_model
"""


def build_model():
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 128), nn.ReLU(), nn.Linear(128, 10), nn.Softmax(dim=1))
