"""Which devices exist, and what `--device auto` means. Never initialises CUDA in this process.

cpu is always there; cuda, mps and xpu come from torch; npu appears when `torch_npu` is importable
(it registers `torch.npu`), mlu when `torch_mlu` is (`torch.mlu`). CUDA is counted through NVML
(PYTORCH_NVML_BASED_CUDA_CHECK) so that the warm worker can still fork afterwards.
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass

import torch

from grader.errors import KataError

PRIORITY = ("cuda", "mps", "xpu", "npu", "mlu")
_DEVICE = re.compile(r"^(auto|cpu|cuda|mps|xpu|npu|mlu)(:\d+)?$")


@dataclass(frozen=True)
class DeviceInfo:
    name: str  # "cuda:0", "cpu", ...


def _backend_module(kind: str):
    """torch.npu / torch.mlu exist only once their vendor extension is imported."""
    if kind in ("npu", "mlu"):
        if getattr(torch, kind, None) is None and importlib.util.find_spec(f"torch_{kind}") is not None:
            try:
                importlib.import_module(f"torch_{kind}")
            except Exception:  # noqa: BLE001 - a broken vendor install means "not present"
                return None
        return getattr(torch, kind, None)
    if kind == "mps":
        return getattr(torch.backends, "mps", None)
    return getattr(torch, kind, None)


def _count(kind: str) -> int:
    if kind == "cuda":
        os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")
    module = _backend_module(kind)
    if module is None:
        return 0
    try:
        if not module.is_available():
            return 0
        return 1 if kind == "mps" else int(module.device_count())
    except Exception:  # noqa: BLE001 - a backend that cannot answer is not usable
        return 0


def available() -> list[DeviceInfo]:
    found = [DeviceInfo("cpu")]
    for kind in PRIORITY:
        for index in range(_count(kind)):
            found.append(DeviceInfo(f"{kind}:{index}" if kind != "mps" else "mps"))
    return found


def describe(name: str) -> str:
    """A product name and memory where the backend tells (this may initialise that backend)."""
    kind, _, index = name.partition(":")
    if kind == "cpu":
        import platform

        return platform.processor() or platform.machine()
    module = _backend_module(kind)
    try:
        props = module.get_device_properties(int(index or 0))
        memory = getattr(props, "total_memory", 0)
        return f"{props.name}, {memory / 2**30:.1f} GiB" if memory else str(props.name)
    except Exception:  # noqa: BLE001 - not every backend can describe its devices
        return "present"


def accelerator_api() -> bool:
    """Whether this torch has the unified `torch.accelerator` API (2.6 and later)."""
    return hasattr(torch, "accelerator") and hasattr(torch.accelerator, "is_available")


def resolve(requested: str) -> str:
    """Turn `--device` into a concrete device string, or raise a one-line KataError."""
    requested = requested.strip().lower()
    if not _DEVICE.match(requested):
        raise KataError(f"unknown device '{requested}'; use auto, cpu, cuda, cuda:N, mps, xpu, npu or mlu")
    present = [d.name for d in available()]
    if requested == "auto":
        accelerators = [name for name in present if name != "cpu"]
        return accelerators[0] if accelerators else "cpu"
    kind, _, index = requested.partition(":")
    if kind == "cpu":
        return "cpu"
    wanted = requested if index or kind == "mps" else f"{kind}:0"
    if wanted not in present:
        raise KataError(f"device '{requested}' is not present here; present: {', '.join(present)}")
    return wanted
