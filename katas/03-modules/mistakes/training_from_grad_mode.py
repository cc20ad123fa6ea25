"""torch.is_grad_enabled() taken as "training": eval mode without torch.no_grad() still updates the running mean and subtracts the batch mean

catches: test_running_center_eval
"""


class RunningCenter(nn.Module):
    def __init__(self, num_features, momentum=0.1):
        super().__init__()
        self.momentum = momentum
        self.register_buffer("running_mean", torch.zeros(num_features))

    def forward(self, x):
        if torch.is_grad_enabled():  # the slip: grad mode is not the module's mode (self.training)
            mean = x.mean(dim=0)
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
            return x - mean
        return x - self.running_mean
