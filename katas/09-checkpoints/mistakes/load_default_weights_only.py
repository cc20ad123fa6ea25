"""torch.load(path) relies on the default: weights_only=True only from torch 2.6, False on 2.4 and 2.5

catches: test_load_weights_is_safe
"""


def load_weights(model, path):
    # relies on torch.load's default: weights_only=True from torch 2.6, but False on 2.4 and 2.5
    model.load_state_dict(torch.load(path))
    return model
