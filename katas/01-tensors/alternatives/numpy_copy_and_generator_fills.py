"""Style: a float32 NumPy copy, torch.flatten, [:, None], .type(), torch.where, uniform_/normal_ fills on fresh tensors, printing."""


def to_float_tensor(data):
    print("converting", type(data))
    arr = np.array(data, dtype=np.float32)
    return torch.from_numpy(arr)


def flatten_transposed(x):
    return torch.flatten(x.T)


def add_channel_dim(images):
    return images[:, None, :, :]


def to_labels(x):
    return x.type(torch.int64)  # a dtype keeps the device (torch.LongTensor would name a CPU tensor type)


def positive_mask(x):
    return torch.where(x > 0, True, False)


def random_tensors(shape, seed):
    g = torch.Generator()
    g.manual_seed(seed)
    u = torch.empty(shape).uniform_(generator=g)
    n = torch.empty(shape).normal_(generator=g)
    return (u, n)


def move_to(x, device):
    return x.to(device=torch.device(device), copy=False)
