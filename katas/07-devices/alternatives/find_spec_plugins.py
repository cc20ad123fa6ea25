"""The plug-ins looked for with importlib.util.find_spec before importing them, the usual test for an optional package"""

import importlib
import importlib.util


def pick_device():
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    if torch.xpu.is_available():
        return "xpu"
    for kind in ("npu", "mlu"):
        if importlib.util.find_spec(f"torch_{kind}") is not None:  # installed?
            importlib.import_module(f"torch_{kind}")  # registers torch.npu / torch.mlu
            if getattr(torch, kind).is_available():  # and a card present?
                return kind
    accelerator = getattr(torch, "accelerator", None)
    if accelerator is not None and accelerator.is_available():
        return accelerator.current_accelerator().type
    return "cpu"
