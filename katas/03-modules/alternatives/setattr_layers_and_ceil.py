"""Style: layers registered by setattr and found again by name; the output size as a ceiling; a buffer updated with copy_."""

import math


class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.depth = len(sizes) - 1
        for i in range(self.depth):
            setattr(self, f"fc{i}", nn.Linear(sizes[i], sizes[i + 1]))  # assigning a Module registers it

    def forward(self, x):
        for i in range(self.depth):
            x = getattr(self, f"fc{i}")(x)
            if i != self.depth - 1:
                x = nn.functional.relu(x)
        return x


class RunningCenter(RunningCenter):
    def forward(self, x):
        mean = x.mean(0) if self.training else self.running_mean
        if self.training:
            with torch.no_grad():
                self.running_mean.copy_((1 - self.momentum) * self.running_mean + self.momentum * mean)
        return x - mean


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    # ⌊(n − 1) / s⌋ + 1 = ⌈n / s⌉ for n ≥ 1, with n = size + 2·padding − dilation·(kernel − 1)
    return math.ceil((size + 2 * padding - dilation * (kernel - 1)) / stride)
