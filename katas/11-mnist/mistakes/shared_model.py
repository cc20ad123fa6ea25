"""build_model returns one model made at import time: every call gives the same, possibly already trained, object

catches: test_build_model
"""

_MODEL = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 128), nn.ReLU(), nn.Linear(128, 10))


def build_model():
    return _MODEL  # not a new model
