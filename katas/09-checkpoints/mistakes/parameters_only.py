"""saving dict(model.named_parameters()) loses the buffers (BatchNorm's running statistics)

catches: test_save_weights_writes_state_dict
"""


def save_weights(model, path):
    torch.save(dict(model.named_parameters()), path)
