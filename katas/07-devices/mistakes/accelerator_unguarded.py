"""torch.accelerator used as if every torch had it: AttributeError before torch 2.6

catches: test_pick_device_old_torch
"""


def pick_device():
    # torch.accelerator first, as if every torch had it (it appeared in 2.6)
    if torch.accelerator.is_available():
        return torch.accelerator.current_accelerator().type
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    for name in ("xpu", "npu", "mlu"):
        backend = getattr(torch, name, None)
        if backend is not None and backend.is_available():
            return name
    return "cpu"
