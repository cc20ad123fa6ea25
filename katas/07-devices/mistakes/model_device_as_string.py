"""model_device returns str(tensor.device) ("meta", "cpu") instead of the torch.device itself

catches: test_model_device
"""


def model_device(model):
    for tensor in list(model.parameters()) + list(model.buffers()):
        return str(tensor.device)
    return "cpu"
