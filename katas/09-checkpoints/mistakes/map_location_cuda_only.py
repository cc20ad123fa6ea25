"""map_location={"cuda:0": device}: only tensors saved on cuda:0 are remapped, tensors saved on the CPU stay there

catches: test_load_to_device
"""


def load_to_device(path, device):
    return torch.load(path, map_location={"cuda:0": str(device)}, weights_only=True)
