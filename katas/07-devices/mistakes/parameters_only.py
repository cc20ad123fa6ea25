"""model_device looks only at the parameters: a model whose tensors are all buffers is reported as on the CPU

catches: test_model_device
"""


def model_device(model):
    first = next(model.parameters(), None)
    return torch.device("cpu") if first is None else first.device
