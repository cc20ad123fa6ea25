"""Style: a buffer reassigned (not updated in place), an OrderedDict Sequential, math.floor, a dict of parameters by id."""

import math
from collections import OrderedDict


class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        layers = OrderedDict()
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers[f"fc{i}"] = nn.Linear(a, b)
            if i < len(sizes) - 2:
                layers[f"act{i}"] = nn.ReLU(inplace=True)  # in place on the Linear's fresh output only
        self.net = nn.Sequential(layers)

    def forward(self, x):
        return self.net(x)


class RunningCenter(nn.Module):
    def __init__(self, num_features, momentum=0.1):
        super().__init__()
        self.momentum = momentum
        self.register_buffer("running_mean", torch.zeros(num_features))

    def forward(self, x):
        if not self.training:
            return x - self.running_mean
        mean = x.mean(dim=0)
        # assigning a tensor to a registered buffer's name replaces the buffer (it stays a buffer)
        self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean.detach()
        return x - mean


def count_parameters(model):
    unique = {id(p): p for p in model.parameters() if p.requires_grad}
    return int(sum(p.numel() for p in unique.values()))


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1
