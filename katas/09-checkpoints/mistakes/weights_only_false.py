"""torch.load(..., weights_only=False) runs whatever code a pickled file carries

catches: test_load_weights_is_safe
"""


def load_weights(model, path):
    model.load_state_dict(torch.load(path, weights_only=False))
    return model
