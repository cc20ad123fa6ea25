"""only the lowest byte of each 4-byte size read: any size above 255 comes out wrong

catches: test_read_idx_mnist, test_read_idx_any_shape
"""


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(data[7 + 4 * i] for i in range(ndim))  # only the lowest byte of each 4-byte size
    values = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim, count=int(np.prod(shape)))
    return torch.from_numpy(values.reshape(shape).copy())
