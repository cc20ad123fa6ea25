"""`if torch.cuda.is_available:` without the call: a function object is always true, so every machine gets "cuda"

catches: test_pick_device_cpu_fallback, test_pick_device_each_backend
"""


def pick_device():
    if torch.cuda.is_available:  # the function itself, never called
        return "cuda"
    if torch.backends.mps.is_available():
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
