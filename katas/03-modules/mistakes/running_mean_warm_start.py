"""the first batch's mean copied into running_mean ("warm start") instead of one momentum step from zeros

catches: test_running_center_train
"""


class RunningCenter(RunningCenter):
    def forward(self, x):
        if self.training:
            mean = x.mean(dim=0)
            with torch.no_grad():
                if not getattr(self, "started", False):
                    self.running_mean.copy_(mean)
                    self.started = True
                else:
                    self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
            return x - mean
        return x - self.running_mean
