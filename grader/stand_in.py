"""A stand-in accelerator for exercise halves: mistakes that only a GPU shows, shown on any grader.

A `StandIn` tensor holds its values on the CPU but reports the device `STAND_IN`, and, like a tensor on
a GPU, refuses NumPy until it is copied back with `.cpu()`, `.to("cpu")` or `.type()` with a CPU tensor
type (`torch.LongTensor`), which give the plain CPU tensor (`.numpy(force=True)` copies it itself).
What is computed from it stays a stand-in; what names its device (`device=`, `.to(d)`, `.type_as(t)`)
goes there; an in-place operation leaves its tensor where it is (a CPU buffer `copy_`-ed into stays
on the CPU). `StandInStrict` also refuses, as a GPU does, an operation that mixes it with CPU tensors
other than 0-d ones (scalars); indexing with CPU tensors, copying values in and moves are allowed.

While `StandInDevice` is on, the stand-in is a device the learner's code can name, as it would name a
GPU: `torch.zeros(n, device=x.device)`, `torch.arange(n).to(x.device)` and `torch.as_tensor(x)` of a
stand-in give stand-ins. Its values are never on the real `meta` device (which holds none).
A judge half names `STAND_IN` in its messages, so the learner reads why a tensor was not on the CPU.
"""

from __future__ import annotations

from typing import Iterable, Iterator, NoReturn

import torch
from torch.overrides import TorchFunctionMode, get_default_nowrap_functions

STAND_IN = "meta"  # the device type a stand-in reports: no real tensor of the learner's is ever there
_MAY_MIX = frozenset(
    {
        torch.Tensor.__getitem__,
        torch.Tensor.__setitem__,
        torch.Tensor.copy_,
        torch.Tensor.to,
        torch.Tensor.type_as,
        torch._has_compatible_shallow_copy_type,  # asked by Module.to before it swaps a parameter's data
        torch._C._VariableFunctions._pack_padded_sequence,  # the lengths are on the CPU, also on a GPU
        torch._C._VariableFunctions._pad_packed_sequence,  # and so are the batch sizes
    }
)
# (data, batch sizes) and (padded, lengths): the second stays on the CPU, as torch keeps it on a GPU too
_SECOND_ON_CPU = frozenset(
    {torch._C._VariableFunctions._pack_padded_sequence, torch._C._VariableFunctions._pad_packed_sequence}
)


def refuse_numpy() -> NoReturn:
    """What torch says when NumPy is asked for a tensor on a GPU."""
    raise TypeError(
        f"can't convert {STAND_IN} device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host "
        "memory first."
    )


def tensors_in(values: Iterable[object]) -> Iterator[torch.Tensor]:
    """The tensors among `values`, also inside lists and tuples."""
    for value in values:
        if isinstance(value, torch.Tensor):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from tensors_in(value)


def plain(value: object) -> object:
    """A stand-in as the CPU tensor it really is (anything else as it is)."""
    return value.as_subclass(torch.Tensor) if isinstance(value, StandIn) else value


def cpu_tensor_type(args: tuple, kwargs: dict) -> bool:
    """Whether `t.type(*args, **kwargs)` names a CPU tensor type (torch.LongTensor or "torch.LongTensor"),
    which copies a GPU tensor to the CPU; a dtype such as torch.long keeps the device."""
    wanted = args[0] if args else kwargs.get("dtype")
    if isinstance(wanted, type):
        wanted = f"{wanted.__module__}.{wanted.__name__}"
    return isinstance(wanted, str) and wanted.startswith("torch.") and wanted.count(".") == 1


def _parsed_to(args: tuple, kwargs: dict) -> tuple:
    """(device, dtype, non_blocking, memory_format) of a call `tensor.to(*args[1:], **kwargs)`."""
    return torch._C._nn._parse_to(*args[1:], **{k: v for k, v in kwargs.items() if k != "copy"})


def target(args: tuple, kwargs: dict) -> str | None:
    """The device type a call `tensor.to(*args[1:], **kwargs)` moves to (`STAND_IN` when the example
    tensor is a stand-in), or None."""
    if any(isinstance(t, StandIn) for t in tensors_in([*args[1:], *kwargs.values()])):
        return STAND_IN
    device = _parsed_to(args, kwargs)[0]
    return None if device is None else device.type


def names_stand_in(device: object) -> bool:
    """Whether a `device=` argument names the stand-in (`x.device` of a stand-in, "meta", "meta:0")."""
    if isinstance(device, str):
        device = torch.device(device)
    return isinstance(device, torch.device) and device.type == STAND_IN


def _moved_to_stand_in(args: tuple, kwargs: dict, cls: type[StandIn]) -> StandIn:
    """`args[0].to(*args[1:], **kwargs)` where that names the stand-in: only the dtype changes."""
    dtype = _parsed_to(args, kwargs)[1] or args[0].dtype
    with torch._C.DisableTorchFunctionSubclass():
        moved = args[0].to(dtype=dtype, copy=bool(kwargs.get("copy", False)))
    return moved.as_subclass(cls)


def _as(value: object, cls: type[torch.Tensor]) -> object:
    """The tensors in `value` (also in lists and tuples) as `cls`: plain ones for torch.Tensor."""
    if isinstance(value, torch.Tensor):
        return value if type(value) is cls else value.as_subclass(cls)
    if isinstance(value, (list, tuple)):
        return type(value)(_as(v, cls) for v in value)
    return value


class StandIn(torch.Tensor):
    """A tensor that behaves like one on a GPU where NumPy and its device are concerned."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func == torch.Tensor.device.__get__:
            return torch.device(STAND_IN)
        if func == torch.Tensor.is_cpu.__get__:
            return False
        if func is torch.Tensor.__array__ or (func is torch.Tensor.numpy and not kwargs.get("force", False)):
            refuse_numpy()
        cls._check_devices(func, args, kwargs)
        if func is torch.Tensor.to and target(args, kwargs) == STAND_IN:
            return _moved_to_stand_in(args, kwargs, cls)
        device = kwargs.get("device")
        if device is not None and names_stand_in(device):
            kwargs = {**kwargs, "device": "cpu"}
        with torch._C.DisableTorchFunctionSubclass():
            out = func(*args, **kwargs)
        if func in get_default_nowrap_functions():
            return out
        if device is not None:  # where the call put it: the stand-in, or a real device such as the CPU
            return _as(out, cls if names_stand_in(device) else torch.Tensor)
        if (
            func is torch.Tensor.cpu
            or (func is torch.Tensor.to and target(args, kwargs) == "cpu")
            or (func is torch.Tensor.type and cpu_tensor_type(args[1:], kwargs))
            or (func is torch.Tensor.type_as and not isinstance(args[1], StandIn))
        ):
            return plain(out)
        if any(out is t for t in tensors_in([*args, *kwargs.values()])):
            return out  # in place (or out=): the tensor stays where it was
        if func in _SECOND_ON_CPU:
            return (_as(out[0], cls), plain(out[1]), *out[2:])
        return _as(out, cls)

    @classmethod
    def _check_devices(cls, func, args: tuple, kwargs: dict) -> None:
        """Any tensor may join an operation with this one (`StandInStrict` refuses CPU tensors)."""


class StandInStrict(StandIn):
    """A stand-in that, as a GPU tensor does, also refuses an operation with CPU tensors."""

    @classmethod
    def _check_devices(cls, func, args: tuple, kwargs: dict) -> None:
        if func not in _MAY_MIX and any(
            not isinstance(t, StandIn) and t.dim() > 0 for t in tensors_in([*args, *kwargs.values()])
        ):
            raise RuntimeError(
                f"Expected all tensors to be on the same device, but found at least two devices, {STAND_IN} and cpu!"
            )


_DATA_FACTORIES = frozenset({torch.tensor, torch.as_tensor, torch.asarray})  # a tensor's data: its device


class StandInDevice(TorchFunctionMode):
    """While on: a factory given device=<the stand-in>, a CPU tensor's .to(<the stand-in>) or
    .type_as(<a stand-in>), and torch.tensor / as_tensor / asarray of a stand-in give stand-ins of
    class `cls`, as they would give tensors on a GPU. Not a module's .to(<the stand-in>): its
    parameters stay plain, so a check that needs a model "there" builds it there (or makes .to a no-op)."""

    def __init__(self, cls: type[StandIn] = StandIn):
        super().__init__()
        self.cls = cls

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.Tensor.to and not isinstance(args[0], StandIn) and target(args, kwargs) == STAND_IN:
            return _moved_to_stand_in(args, kwargs, self.cls)
        if func is torch.Tensor.type_as and isinstance(args[1], StandIn) and not isinstance(args[0], StandIn):
            return _as(args[0].type_as(plain(args[1])), self.cls)
        device = kwargs.get("device")
        if device is not None and names_stand_in(device):
            return _as(func(*args, **{**kwargs, "device": "cpu"}), self.cls)
        if device is None and func in _DATA_FACTORIES and args and isinstance(args[0], StandIn):
            return _as(func(*args, **kwargs), self.cls)
        return func(*args, **kwargs)
