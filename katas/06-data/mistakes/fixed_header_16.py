def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    # assumes MNIST's image header (16 bytes) and 28 x 28 images
    return torch.from_numpy(np.frombuffer(data, dtype=np.uint8, offset=16).copy()).reshape(-1, 28, 28)
