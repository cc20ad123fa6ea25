"""Style: functional forward passes — torch.nn.functional in forward, ReLU before each layer but the first, pooling before ReLU, modules() for counting."""

import math

import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)])

    def forward(self, x):
        x = self.layers[0](x)
        for layer in self.layers[1:]:
            x = layer(F.relu(x))  # ReLU before every layer but the first = after every layer but the last
        return x


class RunningCenter(nn.Module):
    def __init__(self, num_features, momentum=0.1):
        super().__init__()
        self.momentum = momentum
        self.register_buffer("running_mean", torch.zeros(num_features))

    def forward(self, x):
        if not self.training:
            return x - self.running_mean
        mean = torch.mean(x, dim=0)
        # reassigning a registered buffer keeps it a buffer; detached, so it carries no graph
        self.running_mean = torch.lerp(self.running_mean, mean.detach(), self.momentum)
        return x - mean


def count_parameters(model):
    total, counted = 0, set()
    for module in model.modules():  # each module once; recurse=False: its own parameters only
        for p in module.parameters(recurse=False):
            if p.requires_grad and id(p) not in counted:  # a weight tied between modules counts once
                counted.add(id(p))
                total += p.numel()
    return total


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1


class SmallCNN(nn.Module):
    def __init__(self, in_size=28, channels=(8, 16), num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels[0], 3)
        self.conv2 = nn.Conv2d(channels[0], channels[1], 3)
        side = (in_size - 6) // 4  # ((in_size − 2) // 2 − 2) // 2, worked out once
        self.fc = nn.Linear(channels[1] * side * side, num_classes)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))  # max-pooling and ReLU commute
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        return self.fc(torch.flatten(x, 1))
