"""Style: nn.Sequential everywhere — the MLP and the CNN as Sequential subclasses, lerp_ for the running mean."""

import math


class MLP(nn.Sequential):
    def __init__(self, sizes):
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        super().__init__(*layers)


class RunningCenter(nn.Module):
    def __init__(self, num_features, momentum=0.1):
        super().__init__()
        self.momentum = momentum
        self.register_buffer("running_mean", torch.zeros(num_features))

    def forward(self, x):
        if not self.training:
            return x - self.running_mean
        mean = x.mean(0)
        self.running_mean.lerp_(mean.detach(), self.momentum)  # only the buffer's copy is detached
        return x - mean


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1


class SmallCNN(nn.Sequential):
    def __init__(self, in_size=28, channels=(8, 16), num_classes=10):
        c1, c2 = channels
        side = conv_output_size(conv_output_size(conv_output_size(conv_output_size(in_size, 3), 2, 2), 3), 2, 2)
        super().__init__(
            nn.Conv2d(1, c1, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(c2 * side * side, num_classes),
        )
