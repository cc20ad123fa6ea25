"""Which devices exist, and what `--device auto` means. Never initialises CUDA in this process.

cpu is always there; cuda, mps and xpu come from torch; npu appears when `torch_npu` is importable
(it registers `torch.npu`), mlu when `torch_mlu` is (`torch.mlu`). CUDA is counted through NVML
(PYTORCH_NVML_BASED_CUDA_CHECK) so that the warm worker can still fork afterwards; where NVML cannot
answer, a forked child counts them, since torch's own fallback (cudaGetDeviceCount) would leave every
later fork of this process unable to use CUDA.
"""

from __future__ import annotations

import importlib.util
import os
import re
import warnings
from dataclasses import dataclass

import torch

from grader import procs
from grader.errors import KataError

PRIORITY = ("cuda", "mps", "xpu", "npu", "mlu")
DEVICE_MEMORY_SHARE = 0.9  # of an accelerator's memory, split between the jobs that share it
MEMORY_SHARE_PROTECTION = "memory share per job on {kind}"  # a protection's name, as doctor and batch say it
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
        if not _nvml_counts_cuda():
            return procs.answer_in_child(lambda: _count_here(kind), default=0)
    return _count_here(kind)


def _nvml_counts_cuda() -> bool:
    """Whether NVML can count this torch's CUDA devices here, so that counting them starts no CUDA.

    Seen failing on a GPU virtual machine for minutes after it started, while `nvidia-smi` worked."""
    if torch.version.cuda is None:
        return True  # a build without CUDA answers "none" without touching a driver
    nvml_count = getattr(torch.cuda, "_device_count_nvml", None)  # a private helper: absent means "cannot tell"
    if nvml_count is None:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns "Can't initialize NVML"; the child counts instead
        return nvml_count() >= 0


def _count_here(kind: str) -> int:
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


def accelerator_initialized() -> bool:
    """Whether this process started an accelerator runtime (then it must not fork jobs)."""
    for kind in ("cuda", "xpu", "npu", "mlu"):
        module = getattr(torch, kind, None)
        check = getattr(module, "is_initialized", None)
        try:
            if check is not None and check():
                return True
        except Exception:  # noqa: BLE001 - a backend that cannot answer was not started by us
            continue
    return False


def claim(device: str, memory_fraction: float | None) -> None:
    """In a grading child: make `device` the default of its kind and cap the job's share of its memory,
    so that one job filling the device is `oom` for that job alone."""
    kind, _, index = device.partition(":")
    if kind == "cpu":
        return
    module = torch.mps if kind == "mps" else _backend_module(kind)
    if index and hasattr(module, "set_device"):
        module.set_device(int(index))
    limit = memory_share_call(kind)
    if memory_fraction is not None and limit is not None:
        if kind == "mps":
            limit(memory_fraction)
        else:
            limit(memory_fraction, int(index or 0))


def memory_share_call(kind: str):
    """The backend's cap on one process's share of a device's memory, or None where this torch has none."""
    module = torch.mps if kind == "mps" else _backend_module(kind)
    return getattr(module, "set_per_process_memory_fraction", None)


def resolve(requested: str) -> str:
    """Turn `--device` into a device string, or raise a one-line KataError.

    `cuda` (or another kind without an index) means every device of that kind when there are
    several: the worker spreads jobs over them; with one, it is that device."""
    requested = requested.strip().lower()
    if not _DEVICE.match(requested):
        raise KataError.of("unknown_device", device=requested)
    present = [d.name for d in available()]
    if requested == "auto":
        accelerators = [name for name in present if name != "cpu"]
        if not accelerators:
            return "cpu"
        requested = accelerators[0].split(":")[0]
    kind, _, index = requested.partition(":")
    if kind == "cpu":
        return "cpu"
    of_kind = [name for name in present if name.split(":")[0] == kind]
    if not of_kind or (index and requested not in present):
        raise KataError.of("device_absent", device=requested, present=", ".join(present))
    if index or len(of_kind) == 1:
        return requested if index else of_kind[0]
    return kind
