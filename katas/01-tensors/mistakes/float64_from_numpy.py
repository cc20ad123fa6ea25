"""torch.from_numpy keeps NumPy's float64 instead of converting to float32

catches: test_to_float_tensor
"""


def to_float_tensor(data):
    if isinstance(data, np.ndarray):
        return torch.from_numpy(data)
    return torch.tensor(data, dtype=torch.float32)
