"""torch.backends.mps.is_built() instead of is_available(): a torch built with MPS says True on a Mac that cannot use it

catches: test_pick_device_cpu_fallback
"""


def pick_device():
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_built():  # built with MPS support, not "an MPS device is usable here"
        return "mps"
    xpu = getattr(torch, "xpu", None)
    if xpu is not None and xpu.is_available():
        return "xpu"
    for name in ("npu", "mlu"):
        backend = getattr(torch, name, None)
        if backend is not None and backend.is_available():
            return name
    accelerator = getattr(torch, "accelerator", None)
    if accelerator is not None and accelerator.is_available():
        return accelerator.current_accelerator().type
    return "cpu"
