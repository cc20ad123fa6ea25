"""Style: NumPy first, explicit constructors and in-place fills on fresh tensors (never on the inputs)."""


def to_float_tensor(data):
    return torch.from_numpy(np.array(data, dtype=np.float32))


def trainable_zeros(shape):
    return torch.zeros(shape).requires_grad_()


def linear_forward(x, w, b):
    out = torch.nn.functional.linear(x, w)
    out += b  # in place on our own fresh tensor, not on an input
    return out


def flatten_transposed(x):
    return x.t().flatten()


def add_channel_dim(images):
    n, h, width = images.shape
    return images.reshape(n, 1, h, width)


def join_batches(a, b):
    out = a.new_empty((a.shape[0] + b.shape[0], a.shape[1]))
    out[: a.shape[0]] = a
    out[a.shape[0]:] = b
    return out


def to_labels(x):
    return x.round().long()


def positive_mask(x):
    return x.gt(0).bool()


def random_tensors(shape, seed):
    g = torch.Generator().manual_seed(seed)
    uniform = torch.empty(shape).uniform_(0, 1, generator=g)
    normal = torch.empty(shape).normal_(0, 1, generator=g)
    return uniform, normal
