"""ndim taken from the file name (idx3 → 3, otherwise 1) instead of the header's fourth byte: other IDX files come out with the wrong shape

catches: test_read_idx_any_shape
"""


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = 3 if "idx3" in str(path) else 1
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    values = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return torch.from_numpy(values.reshape(shape).copy())
