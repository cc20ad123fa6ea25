"""x.sub_(running_mean) in eval mode changes the caller's tensor

catches: test_running_center_eval
"""


class RunningCenter(RunningCenter):
    def forward(self, x):
        if self.training:
            return super().forward(x)
        return x.sub_(self.running_mean)  # changes the caller's tensor
