"""torch.device("npu") raises on a torch without torch_npu loaded: return the string instead

catches: test_pick_device_npu_mlu
"""


def pick_device():
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    for name in ("xpu", "npu", "mlu"):
        backend = getattr(torch, name, None)
        if backend is not None and backend.is_available():
            return torch.device(name)  # RuntimeError for "npu" / "mlu" on a torch without torch_npu / torch_mlu
    accelerator = getattr(torch, "accelerator", None)
    if accelerator is not None and accelerator.is_available():
        return accelerator.current_accelerator()
    return torch.device("cpu")
