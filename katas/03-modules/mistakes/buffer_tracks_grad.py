class RunningCenter(RunningCenter):
    def forward(self, x):
        if self.training:
            mean = x.mean(dim=0)
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
            return x - mean
        return x - self.running_mean
