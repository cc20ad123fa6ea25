"""Style: nn.Sequential from a helper function, a buffer reassigned out of place, parameters counted by id, math.floor."""
from typing import List, Sequence
import torch.nn.functional as F


def _stack(sizes: Sequence[int]) -> List[nn.Module]:
    layers: List[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return layers


class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.net = nn.Sequential(*_stack(sizes))

    def forward(self, x):
        return self.net(x)


class RunningCenter(nn.Module):
    def __init__(self, num_features: int, momentum: float = 0.1) -> None:
        super().__init__()
        self.m = momentum
        self.register_buffer("running_mean", torch.zeros(num_features))

    def forward(self, x):
        if not self.training:
            return x - self.running_mean
        mean = x.mean(0)
        self.running_mean = (1 - self.m) * self.running_mean + self.m * mean.detach()
        return x - mean


def count_parameters(model):
    seen = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            seen[id(p)] = p.numel()
    return int(sum(seen.values()))


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    import math

    return math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1
