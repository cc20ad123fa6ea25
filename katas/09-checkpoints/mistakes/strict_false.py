"""load_state_dict(..., strict=False) silently half-loads a file from another architecture

catches: test_load_weights_strict
"""


def load_weights(model, path):
    model.load_state_dict(torch.load(path, weights_only=True), strict=False)
    return model
