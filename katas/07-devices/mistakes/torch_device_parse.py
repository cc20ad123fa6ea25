"""torch.device("npu") to read the device type raises on a torch without torch_npu

catches: test_supported_dtype
"""


def supported_dtype(device, dtype):
    # torch.device("npu") raises on a torch without torch_npu
    if torch.device(device).type == "mps" and dtype == torch.float64:
        return torch.float32
    return dtype
