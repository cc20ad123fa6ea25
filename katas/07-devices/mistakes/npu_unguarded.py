"""torch.npu.is_available() without checking that torch.npu exists: AttributeError wherever torch_npu is not installed

catches: test_pick_device_cpu_fallback, test_pick_device_old_torch
"""


def pick_device():
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    if torch.xpu.is_available():
        return "xpu"
    if torch.npu.is_available():  # AttributeError where torch_npu is not installed
        return "npu"
    if torch.mlu.is_available():
        return "mlu"
    if torch.accelerator.is_available():
        return torch.accelerator.current_accelerator().type
    return "cpu"
