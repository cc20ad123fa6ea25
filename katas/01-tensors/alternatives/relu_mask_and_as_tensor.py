"""Style: other factories — torch.as_tensor for the move, zeros_like of an empty tensor, relu for the mask, permute and movedim."""


def trainable_zeros(shape):
    return torch.zeros_like(torch.empty(shape), requires_grad=True)


def flatten_transposed(x):
    return x.permute(1, 0).reshape(x.numel())


def add_channel_dim(images):
    return images[..., None].movedim(-1, 1)


def positive_mask(x):
    return torch.relu(x).bool()  # relu keeps the positive entries, zeros the rest


def move_to(x, device):
    return torch.as_tensor(x, device=device)  # differentiable, like .to()
