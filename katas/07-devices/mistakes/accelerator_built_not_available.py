"""torch.accelerator.current_accelerator() without is_available(): a CUDA build on a machine without a GPU still says "cuda"

catches: test_pick_device_cpu_fallback
"""


def pick_device():
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    for name in ("xpu", "npu", "mlu"):
        backend = getattr(torch, name, None)
        if backend is not None and backend.is_available():
            return name
    accelerator = getattr(torch, "accelerator", None)
    # current_accelerator() names what torch was built for, card or no card: "cuda" on a GPU-less machine
    if accelerator is not None and accelerator.current_accelerator() is not None:
        return accelerator.current_accelerator().type
    return "cpu"
