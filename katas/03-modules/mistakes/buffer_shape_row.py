"""running_mean registered as a (1, num_features) row: the arithmetic broadcasts, but the buffer has the wrong shape for state_dict() and for anyone reading it

catches: test_running_center_buffer
"""


class RunningCenter(nn.Module):
    def __init__(self, num_features, momentum=0.1):
        super().__init__()
        self.momentum = momentum
        self.register_buffer("running_mean", torch.zeros(1, num_features))

    def forward(self, x):
        if self.training:
            mean = x.mean(dim=0, keepdim=True)
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
            return x - mean
        return x - self.running_mean
