class RunningCenter(RunningCenter):
    def forward(self, x):
        mean = x.mean(dim=0)
        with torch.no_grad():
            self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
        return x - mean
