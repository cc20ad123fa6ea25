"""Style: broadcasting and saved state — elementwise products summed, nn.Parameter, torch.where, saved global random state."""


def trainable_zeros(shape):
    return torch.nn.Parameter(torch.zeros(*shape))


def linear_forward(x, w, b):
    # (batch, 1, in) * (out, in) broadcasts to (batch, out, in); summing over `in` is the product
    return (x.unsqueeze(1) * w).sum(dim=-1) + b


def flatten_transposed(x):
    return torch.cat([x[:, j] for j in range(x.shape[1])])


def add_channel_dim(images):
    return images.unsqueeze(-3)


def join_batches(a, b):
    return torch.cat((a, b), dim=-2)


def positive_mask(x):
    return torch.where(x > 0, True, False)


def move_to(x, device):
    return torch.empty_like(x, device=device).copy_(x)


def random_tensors(shape, seed):
    # the global state is saved and restored, so reseeding it inside is harmless
    saved = torch.get_rng_state()
    try:
        torch.manual_seed(seed)
        uniform = torch.rand(shape)
        normal = torch.normal(0.0, 1.0, size=shape)
    finally:
        torch.set_rng_state(saved)
    return uniform, normal
