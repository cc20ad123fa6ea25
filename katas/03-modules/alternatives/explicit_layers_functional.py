"""Style: explicit layers — one attribute per layer, torch.nn.functional for ReLU and pooling, x.flatten(1)."""

from torch.nn import functional as F  # noqa: E402 - appended after the reference's own imports


class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.hidden = nn.ModuleList([nn.Linear(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 2)])
        self.out = nn.Linear(sizes[-2], sizes[-1])

    def forward(self, x):
        for layer in self.hidden:
            x = F.relu(layer(x))
        return self.out(x)


class RunningCenter(nn.Module):
    def __init__(self, num_features, momentum=0.1):
        super().__init__()
        self.momentum = momentum
        self.register_buffer("running_mean", torch.zeros(num_features))

    def forward(self, x):
        if self.training:
            mean = x.mean(dim=0, keepdim=True)
            with torch.no_grad():
                self.running_mean.copy_((1 - self.momentum) * self.running_mean + self.momentum * mean.squeeze(0))
            return x - mean
        return x - self.running_mean


def count_parameters(model):
    seen = {}
    for p in model.parameters():
        if p.requires_grad:
            seen[id(p)] = p.numel()
    return int(sum(seen.values()))


class SmallCNN(nn.Module):
    def __init__(self, in_size=28, channels=(8, 16), num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels[0], kernel_size=3)
        self.conv2 = nn.Conv2d(channels[0], channels[1], kernel_size=3)
        side = conv_output_size(in_size, 3)
        side = conv_output_size(side, kernel=2, stride=2)
        side = conv_output_size(side, 3)
        side = conv_output_size(side, kernel=2, stride=2)
        self.fc = nn.Linear(channels[1] * side * side, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))

