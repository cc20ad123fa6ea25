"""save_weights converts every tensor to float32: float64 weights and integer buffers change

catches: test_save_weights_writes_state_dict
"""


def save_weights(model, path):
    # every tensor converted to float32: float64 weights lose precision, integer buffers become floats
    torch.save({key: value.float() for key, value in model.state_dict().items()}, path)
