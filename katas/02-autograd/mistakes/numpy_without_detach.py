def to_numpy(t):
    return t.numpy()
