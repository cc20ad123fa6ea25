"""Style: legacy constructors and *_like factories — torch.Tensor, autograd.Variable, a transposed product, sign, randn_like(generator=)."""


def to_float_tensor(data):
    return torch.Tensor(data)  # the legacy constructor always makes float32 (the default dtype)


def trainable_zeros(shape):
    return torch.autograd.Variable(torch.zeros(shape), requires_grad=True)


def linear_forward(x, w, b):
    return (w @ x.T).T + b  # (out, batch) transposed back to (batch, out)


def positive_mask(x):
    return x.sign() == 1


def random_tensors(shape, seed):
    generator = torch.Generator().manual_seed(seed)
    uniform = torch.rand(shape, generator=generator)
    return uniform, torch.randn_like(uniform, generator=generator)
