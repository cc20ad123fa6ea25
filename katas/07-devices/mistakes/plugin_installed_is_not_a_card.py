"""torch.npu / torch.mlu taken as a card because the attribute exists: torch_npu installed on a machine without an NPU still has no card

catches: test_pick_device_npu_mlu
"""


def pick_device():
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    xpu = getattr(torch, "xpu", None)
    if xpu is not None and xpu.is_available():
        return "xpu"
    for name in ("npu", "mlu"):
        if hasattr(torch, name):  # the plug-in is installed: that says nothing about a card
            return name
    accelerator = getattr(torch, "accelerator", None)
    if accelerator is not None and accelerator.is_available():
        return accelerator.current_accelerator().type
    return "cpu"
