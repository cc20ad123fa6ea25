"""map_location="cpu" hard-coded: right on a CPU machine, wrong for any other target

catches: test_load_to_device
"""


def load_to_device(path, device):
    return torch.load(path, map_location="cpu", weights_only=True)  # always the CPU, whatever device says
