def load_to_device(path, device):
    return torch.load(path, map_location="cpu", weights_only=True)  # always the CPU, whatever device says
