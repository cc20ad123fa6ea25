"""load_weights returns what model.load_state_dict returns (a report of missing and unexpected keys), not the model

catches: test_load_weights_round_trip
"""


def load_weights(model, path):
    return model.load_state_dict(torch.load(path, weights_only=True))  # _IncompatibleKeys, not the model
