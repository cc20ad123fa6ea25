def to_float_tensor(data):
    if isinstance(data, np.ndarray):
        return torch.from_numpy(data)
    return torch.tensor(data, dtype=torch.float32)
