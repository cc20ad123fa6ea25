"""Style: each backend asked whether it was built, then whether it is available; getattr for the optional ones."""


def pick_device():
    if torch.backends.cuda.is_built() and torch.cuda.is_available():
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
