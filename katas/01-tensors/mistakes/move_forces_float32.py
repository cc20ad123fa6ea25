"""x.to(device, torch.float32): moving also casts, so float64 and int64 tensors change dtype

catches: test_move_to
"""


def move_to(x, device):
    return x.to(device, torch.float32)
