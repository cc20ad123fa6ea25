def to_float_tensor(data)
    return data
