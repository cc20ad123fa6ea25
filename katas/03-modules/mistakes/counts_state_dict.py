"""counting state_dict() entries: buffers and frozen weights are counted as trainable

catches: test_count_parameters
"""


def count_parameters(model):
    return sum(t.numel() for t in model.state_dict().values())
