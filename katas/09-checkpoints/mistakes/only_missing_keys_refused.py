"""load_weights with strict=False that raises only for missing keys: a file with extra keys loads silently

catches: test_load_weights_strict

Strict loading refuses any mismatch, missing or unexpected; load_state_dict(state) does that by itself.
"""


def load_weights(model, path):
    state = torch.load(path, weights_only=True)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing:
        raise KeyError(f"missing keys: {missing}")
    return model
