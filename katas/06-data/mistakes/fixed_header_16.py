"""assuming a 16-byte header and 28 x 28 images: label files have an 8-byte header and one dimension

catches: test_read_idx_mnist, test_read_idx_any_shape
"""


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    # assumes MNIST's image header (16 bytes) and 28 x 28 images
    return torch.from_numpy(np.frombuffer(data, dtype=np.uint8, offset=16).copy()).reshape(-1, 28, 28)
