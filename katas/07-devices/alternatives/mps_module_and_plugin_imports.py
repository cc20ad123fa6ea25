"""torch.mps.is_available() (the newer spelling of torch.backends.mps.is_available()); the plug-ins found by importing torch_npu / torch_mlu"""

import importlib


def _plugin_card(kind):
    """True when torch_<kind> imports and reports a card; a missing plug-in means no card."""
    try:
        importlib.import_module(f"torch_{kind}")
    except ImportError:
        return False
    return getattr(torch, kind).is_available()


def pick_device():
    if torch.cuda.is_available():
        return "cuda"
    if torch.mps.is_available():
        return "mps"
    if hasattr(torch, "xpu") and torch.xpu.is_available():
        return "xpu"
    for kind in ("npu", "mlu"):
        if _plugin_card(kind):
            return kind
    if hasattr(torch, "accelerator") and torch.accelerator.is_available():
        return torch.accelerator.current_accelerator().type
    return "cpu"
