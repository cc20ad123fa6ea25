"""Style: torch functions — torch.matmul / torch.addmm, torch.flatten, torch.unsqueeze, fork_rng for the seed."""


def to_float_tensor(data):
    if isinstance(data, np.ndarray):
        return torch.from_numpy(data).float()
    return torch.tensor(data).float()


def linear_forward(x, w, b):
    return torch.matmul(x, torch.transpose(w, 0, 1)).add(b)


def flatten_transposed(x):
    return torch.flatten(x.T)


def add_channel_dim(images):
    return torch.unsqueeze(images, dim=1)


def join_batches(a, b):
    return torch.vstack([a, b])


def to_labels(x):
    return x.type(torch.long)


def move_to(x, device):
    return x.to(device=torch.device(device))


def random_tensors(shape, seed):
    # fork_rng saves the global random state and restores it on exit, so reseeding inside is harmless.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return torch.rand(shape), torch.randn(shape)
