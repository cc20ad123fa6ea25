"""self.training and torch.is_grad_enabled(): in training mode under torch.no_grad() the running mean is neither used nor updated

catches: test_running_center_train

Training mode is self.training, whatever grad mode is on: BatchNorm gathers statistics in a
no_grad pass in train() too.
"""


class RunningCenter(nn.Module):
    def __init__(self, num_features, momentum=0.1):
        super().__init__()
        self.momentum = momentum
        self.register_buffer("running_mean", torch.zeros(num_features))

    def forward(self, x):
        if self.training and torch.is_grad_enabled():
            mean = x.mean(dim=0)
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
            return x - mean
        return x - self.running_mean
