"""the batch mean detached before it is subtracted: the output's gradient misses the mean's term

catches: test_running_center_train
"""


class RunningCenter(RunningCenter):
    def forward(self, x):
        if self.training:
            mean = x.mean(dim=0).detach()  # detached before subtracting: the gradient loses the mean's term
            self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
            return x - mean
        return x - self.running_mean
