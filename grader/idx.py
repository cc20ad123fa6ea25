"""The IDX format of MNIST (gzip or plain), read with NumPy: one trusted reader for every check."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path) -> np.ndarray:
    """The array in an IDX file: magic (two zero bytes, a dtype code, the number of dimensions),
    the sizes as big-endian int32, then the values."""
    opener = gzip.open if Path(path).suffix == ".gz" else open
    with opener(path, "rb") as file:
        data = file.read()
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] not in _DTYPES:
        raise ValueError(f"{path} is not an IDX file")
    dims = data[3]
    shape = tuple(int(n) for n in np.frombuffer(data, ">i4", count=dims, offset=4))
    values = np.frombuffer(data, _DTYPES[data[2]], offset=4 + 4 * dims)
    return values.reshape(shape).astype(values.dtype.newbyteorder("="))
