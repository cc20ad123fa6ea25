"""Observations: the values a grading child sends to the judge, and the inputs the judge sends to it.

A check's exercise half (in the child) returns what it saw the learner's code do: tensors, numbers,
bools, strings, None, dtypes, devices, exceptions (`Raised`, from `attempt`) and lists, tuples and
dicts of these. Anything else travels as `Opaque` (its type name only), so a learner who returns an
object of their own is told what came back. The judge half decodes them here and never unpickles.

The encoding is JSON: every value is a two-item list, [tag, payload]; a tensor's data travels as
base64 of its raw bytes (contiguous, on the CPU) with its dtype, shape, device and requires_grad.
`decode` validates everything (known tags, dtypes, sizes that agree with the shape, nesting depth)
and raises `ObservationError` on anything it did not make. A decoded tensor lives on the CPU; the
device it was on is kept as `observed_device(tensor)`, which `grader.expect` reads.

What it cannot do: make the values true. A child can send any well-formed values; the judge only
awards points for values that are right for this job's inputs, which the child learns when its job
starts.
"""

from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from grader.bilingual import Bilingual
from grader.i18n import say

MAX_DEPTH = 32
MAX_ITEMS = 100_000  # list, tuple and dict entries in one value, all levels together
MAX_TENSOR_BYTES = 64 * 1024 * 1024
MAX_TEXT_CHARS = 100_000

_DTYPES: dict[str, torch.dtype] = {
    str(dtype).removeprefix("torch."): dtype
    for dtype in (
        torch.float16,
        torch.bfloat16,
        torch.float32,
        torch.float64,
        torch.complex64,
        torch.complex128,
        torch.uint8,
        torch.int8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.bool,
    )
}
_ARRAY_DTYPES = (
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
)
_DEVICE_TYPES = (
    "cpu",
    "cuda",
    "mps",
    "xpu",
    "npu",
    "mlu",
    "meta",
    "hpu",
    "mtia",
    "maia",
    "xla",
    "ipu",
    "privateuseone",
)
_DEVICE_ATTRIBUTE = "_observed_device"


class ObservationError(ValueError):
    """A value that this module did not make (malformed, too big, an unknown kind)."""


@dataclass(frozen=True)
class Raised:
    """The learner's code raised instead of returning: the exception's type name, text and place."""

    type: str
    message: str
    file: str = ""
    line: int = 0

    def describe(self) -> Bilingual:
        """The exception in one line, and where the learner's code raised it."""
        first = self.message.splitlines()[0] if self.message else ""
        text = f"{self.type}: {first}" if first else self.type
        if not self.file:
            return Bilingual(text, text)
        return Bilingual(
            *(say("at_location", lang, message=text, file=self.file, line=self.line) for lang in ("en", "zh"))
        )


@dataclass(frozen=True)
class Opaque:
    """A value of a kind that does not travel: only its type's name does."""

    type: str


def observed_device(tensor: torch.Tensor) -> torch.device | str:
    """The device a decoded tensor was on in the child (its own device, for any other tensor); a
    name where this torch cannot make that device."""
    return getattr(tensor, _DEVICE_ATTRIBUTE, tensor.device)


# --- encoding (in the child) ----------------------------------------------------------------------


def encode(value: Any) -> list:
    """`value` as JSON-ready data; lists, tuples and dicts are walked, anything unknown is `Opaque`."""
    return _Encoder().encode(value, 0)


class _Encoder:
    def __init__(self) -> None:
        self.items = 0

    def encode(self, value: Any, depth: int) -> list:
        if depth > MAX_DEPTH:
            raise ObservationError(say("value_too_deep", "en", n=MAX_DEPTH))
        if value is None:
            return ["none", None]
        if isinstance(value, bool):
            return ["bool", value]
        if isinstance(value, int):
            return ["int", str(value)]  # as text: JSON readers lose big ints
        if isinstance(value, float):
            return ["float", repr(value)]
        if isinstance(value, str):
            return ["str", value[:MAX_TEXT_CHARS]]
        if isinstance(value, torch.Tensor):
            return ["tensor", _encode_tensor(value)]
        if isinstance(value, torch.dtype):
            return ["dtype", str(value).removeprefix("torch.")]
        if isinstance(value, torch.device):
            return ["device", str(value)]
        if isinstance(value, Raised):
            return ["raised", [value.type, value.message[:MAX_TEXT_CHARS], value.file, value.line]]
        if isinstance(value, (list, tuple, torch.Size)):
            self._count(len(value))
            tag = "list" if isinstance(value, list) else "tuple"
            return [tag, [self.encode(v, depth + 1) for v in value]]
        if isinstance(value, dict):
            self._count(len(value))
            return ["dict", [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]]
        if isinstance(value, np.ndarray):
            return ["ndarray", _encode_array(value)]
        if isinstance(value, np.generic):  # a NumPy scalar: its Python value
            return self.encode(value.item(), depth)
        return ["opaque", type(value).__name__]

    def _count(self, n: int) -> None:
        self.items += n
        if self.items > MAX_ITEMS:
            raise ObservationError(say("value_too_many", "en", n=MAX_ITEMS))


def _encode_tensor(tensor: torch.Tensor) -> list:
    dtype = str(tensor.dtype).removeprefix("torch.")
    if dtype not in _DTYPES:
        raise ObservationError(say("tensor_dtype", "en", dtype=tensor.dtype))
    if tensor.device.type == "meta":
        data = b""
    else:
        flat = tensor.detach().to("cpu").contiguous().reshape(-1)
        if flat.dtype == torch.bfloat16:  # numpy has no bfloat16: its raw bits go as int16
            flat = flat.view(torch.int16)
        data = flat.numpy().tobytes()
    if len(data) > MAX_TENSOR_BYTES:
        raise ObservationError(say("tensor_too_big", "en", size=MAX_TENSOR_BYTES // (1024 * 1024)))
    return [
        dtype,
        list(tensor.shape),
        str(observed_device(tensor)),
        bool(tensor.requires_grad),
        base64.b64encode(data).decode("ascii"),
    ]


def _encode_array(array: np.ndarray) -> list:
    if array.dtype.name not in _ARRAY_DTYPES:
        raise ObservationError(say("array_dtype", "en", dtype=array.dtype))
    data = np.ascontiguousarray(array).tobytes()
    if len(data) > MAX_TENSOR_BYTES:
        raise ObservationError(say("array_too_big", "en", size=MAX_TENSOR_BYTES // (1024 * 1024)))
    return [array.dtype.name, list(array.shape), base64.b64encode(data).decode("ascii")]


# --- decoding (in the judge) ----------------------------------------------------------------------


def decode(data: Any) -> Any:
    """The value `encode` made; `ObservationError` for anything else."""
    return _Decoder().decode(data, 0)


class _Decoder:
    def __init__(self) -> None:
        self.items = 0

    def decode(self, data: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ObservationError(say("value_too_deep", "en", n=MAX_DEPTH))
        if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], str)):
            raise ObservationError("a value that is not a [kind, payload] pair")
        tag, payload = data
        if tag == "none" and payload is None:
            return None
        if tag == "bool" and isinstance(payload, bool):
            return payload
        if tag == "int" and isinstance(payload, str) and len(payload) <= 4000:
            return _number(int, payload)
        if tag == "float" and isinstance(payload, str) and len(payload) <= 64:
            return _number(float, payload)
        if tag == "str" and isinstance(payload, str) and len(payload) <= MAX_TEXT_CHARS:
            return payload
        if tag == "tensor":
            return _decode_tensor(payload)
        if tag == "ndarray":
            return _decode_array(payload)
        if tag == "dtype" and payload in _DTYPES:
            return _DTYPES[payload]
        if tag == "device" and isinstance(payload, str):
            return _device(payload)
        if tag == "raised":
            return _raised(payload)
        if tag == "opaque" and isinstance(payload, str) and len(payload) <= 200:
            return Opaque(payload)
        if tag in ("list", "tuple") and isinstance(payload, list):
            self._count(len(payload))
            items = [self.decode(v, depth + 1) for v in payload]
            return items if tag == "list" else tuple(items)
        if tag == "dict" and isinstance(payload, list):
            self._count(len(payload))
            result = {}
            for pair in payload:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise ObservationError("a dict entry that is not a [key, value] pair")
                key = self.decode(pair[0], depth + 1)
                if not _can_be_key(key):
                    raise ObservationError("a dict key of a kind that cannot be a key")
                result[key] = self.decode(pair[1], depth + 1)
            return result
        raise ObservationError(f"an unknown or malformed value of kind {tag[:40]!r}")

    def _count(self, n: int) -> None:
        self.items += n
        if self.items > MAX_ITEMS:
            raise ObservationError(say("value_too_many", "en", n=MAX_ITEMS))


def _can_be_key(key: Any) -> bool:
    """A key Python's dicts take: a tuple only of such keys (a list or array in one is unhashable)."""
    if isinstance(key, tuple):
        return all(_can_be_key(item) for item in key)
    return isinstance(key, (str, int, float, bool, type(None), torch.dtype))


def _number(kind: type, text: str) -> int | float:
    try:
        return kind(text)
    except ValueError:
        raise ObservationError(f"{text[:40]!r} is not a number") from None


def _device(text: str) -> torch.device | str:
    """The device, or its name where this torch cannot make it (npu or mlu without their plugin)."""
    kind, _, index = text.partition(":")
    if kind not in _DEVICE_TYPES or (index and not (index.isdigit() and len(index) <= 4)):
        raise ObservationError(f"{text[:40]!r} is not a device")
    try:
        return torch.device(text)
    except RuntimeError:
        return text


def _raised(payload: Any) -> Raised:
    if not (isinstance(payload, list) and len(payload) == 4):
        raise ObservationError("a malformed exception")
    kind, message, file, line = payload
    if not (
        isinstance(kind, str)
        and isinstance(message, str)
        and isinstance(file, str)
        and type(line) is int
        and len(kind) <= 200
        and len(message) <= MAX_TEXT_CHARS
        and len(file) <= 1000
    ):
        raise ObservationError("a malformed exception")
    return Raised(kind, message, file, line)


def _decode_tensor(payload: Any) -> torch.Tensor:
    if not (isinstance(payload, list) and len(payload) == 5):
        raise ObservationError("a malformed tensor")
    dtype_name, shape, device, requires_grad, data = payload
    if dtype_name not in _DTYPES or not isinstance(requires_grad, bool) or not isinstance(device, str):
        raise ObservationError("a malformed tensor")
    dtype = _DTYPES[dtype_name]
    itemsize = torch.empty((), dtype=dtype).element_size()
    raw = _shape_and_data(shape, data, itemsize)
    numel = math.prod(shape)
    where = _device(device)
    if str(where) == "meta":  # no data: zeros, never uninitialised memory of the judge's process
        tensor = torch.zeros(shape, dtype=dtype)
    else:
        if len(raw) != numel * itemsize:
            raise ObservationError("a tensor whose data does not match its shape and dtype")
        if dtype == torch.bool:
            _only_true_and_false(raw)
        storage_dtype = torch.int16 if dtype == torch.bfloat16 else dtype
        flat = torch.frombuffer(bytearray(raw), dtype=storage_dtype) if raw else torch.empty(0, dtype=storage_dtype)
        tensor = flat.view(dtype).reshape(shape) if dtype == torch.bfloat16 else flat.reshape(shape)
    if requires_grad:
        if not (tensor.is_floating_point() or tensor.is_complex()):
            raise ObservationError("an integer tensor that requires grad")
        tensor.requires_grad_(True)
    setattr(tensor, _DEVICE_ATTRIBUTE, where)
    return tensor


def _only_true_and_false(raw: bytes) -> None:
    """A bool holds the byte 0 or 1: another byte is no bool `encode` made, and torch reads it one way
    and another (such a tensor printed all True while .all() said False)."""
    if raw.strip(b"\x00\x01"):
        raise ObservationError("a bool tensor holding bytes other than 0 and 1")


def _shape_and_data(shape: Any, data: Any, itemsize: int) -> bytes:
    if not isinstance(shape, list) or not isinstance(data, str):
        raise ObservationError("a malformed tensor")
    if len(shape) > 16 or not all(type(n) is int and 0 <= n <= 2**40 for n in shape):
        raise ObservationError("a tensor with an impossible shape")
    if math.prod(shape) * itemsize > MAX_TENSOR_BYTES or len(data) > (MAX_TENSOR_BYTES * 4) // 3 + 4:
        raise ObservationError("a tensor bigger than a check may send")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ObservationError("a tensor whose data is not base64") from None


def _decode_array(payload: Any) -> np.ndarray:
    if not (isinstance(payload, list) and len(payload) == 3) or payload[0] not in _ARRAY_DTYPES:
        raise ObservationError("a malformed array")
    dtype = np.dtype(payload[0])
    raw = _shape_and_data(payload[1], payload[2], dtype.itemsize)
    if len(raw) != math.prod(payload[1]) * dtype.itemsize:
        raise ObservationError("an array whose data does not match its shape and dtype")
    if dtype == np.bool_:
        _only_true_and_false(raw)
    return np.frombuffer(raw, dtype=dtype).reshape(payload[1]).copy()
