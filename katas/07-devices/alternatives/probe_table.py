"""A table of backend probes walked in order; itertools.chain for the model's tensors"""

import itertools


def _probe(module_name):
    """A probe for torch.<module_name>, which may be missing from this torch build."""
    def available():
        backend = getattr(torch, module_name, None)
        return backend is not None and backend.is_available()
    return available


_PROBES = (
    ("cuda", lambda: torch.cuda.is_available()),
    ("mps", lambda: torch.backends.mps.is_available()),
    ("xpu", _probe("xpu")),
    ("npu", _probe("npu")),
    ("mlu", _probe("mlu")),
)


def pick_device():
    for name, available in _PROBES:
        if available():
            return name
    if _probe("accelerator")():
        return torch.accelerator.current_accelerator().type
    return "cpu"


def model_device(model):
    first = next(itertools.chain(model.parameters(), model.buffers()), None)
    return torch.device("cpu") if first is None else first.device


def predict(model, x):
    return model(x.to(device=model_device(model)))


def supported_dtype(device, dtype):
    kind = device.type if isinstance(device, torch.device) else device.partition(":")[0]
    return torch.float32 if (kind, dtype) == ("mps", torch.float64) else dtype
