"""A stand-in accelerator for exercise halves: mistakes that only a GPU shows, shown on any grader.

A `StandIn` tensor holds its values on the CPU but reports the device `STAND_IN`, and, like a tensor on
a GPU, refuses NumPy until it is copied back with `.cpu()`, `.to("cpu")` or `.type()` with a CPU tensor
type (`torch.LongTensor`), which give the plain CPU tensor (`.numpy(force=True)` copies it itself). What is computed from it stays a stand-in.
`StandInStrict` also refuses, as a GPU does, an operation that mixes it with CPU tensors other than
0-d ones (scalars); indexing with CPU tensors, copying values in and moves are allowed, as on a GPU.
A judge half names `STAND_IN` in its messages, so the learner reads why a tensor was not on the CPU.
"""

from __future__ import annotations

from typing import Iterable, Iterator, NoReturn

import torch

STAND_IN = "meta"  # the device type a stand-in reports: no real tensor of the learner's is ever there
_MAY_MIX = frozenset({torch.Tensor.__getitem__, torch.Tensor.__setitem__, torch.Tensor.copy_, torch.Tensor.to})


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


def target(args: tuple, kwargs: dict) -> str | None:
    """The device type a call `tensor.to(*args[1:], **kwargs)` moves to (`STAND_IN` when the example
    tensor is a stand-in), or None."""
    if any(isinstance(t, StandIn) for t in tensors_in([*args[1:], *kwargs.values()])):
        return STAND_IN
    device = torch._C._nn._parse_to(*args[1:], **kwargs)[0]
    return None if device is None else device.type


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
        out = super().__torch_function__(func, types, args, kwargs)
        if (
            func is torch.Tensor.cpu
            or (func is torch.Tensor.to and target(args, kwargs) == "cpu")
            or (func is torch.Tensor.type and cpu_tensor_type(args[1:], kwargs))
        ):
            return plain(out)
        return out

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
