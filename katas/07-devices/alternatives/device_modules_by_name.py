"""Style: torch.get_device_module(name) for each backend in order, names a torch cannot parse skipped."""


def pick_device():
    for name in ("cuda", "mps", "xpu", "npu", "mlu"):
        try:
            if torch.get_device_module(name).is_available():
                return name
        except (RuntimeError, AttributeError):
            continue
    acc = getattr(torch, "accelerator", None)
    if acc is not None and acc.is_available():
        return acc.current_accelerator().type
    return "cpu"
