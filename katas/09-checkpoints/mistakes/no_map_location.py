"""torch.load without map_location fails on a GPU-saved file on a CPU-only machine (moving afterwards is too late)

catches: test_load_to_device
"""


def load_to_device(path, device):
    state = torch.load(path, weights_only=True)
    return {key: value.to(device) for key, value in state.items()}
