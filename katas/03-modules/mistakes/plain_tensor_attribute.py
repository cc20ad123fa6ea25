"""running_mean as a plain tensor attribute: not in state_dict(), and .to()/.double() leave it behind

catches: test_running_center_buffer
"""


class RunningCenter(RunningCenter):
    def __init__(self, num_features, momentum=0.1):
        nn.Module.__init__(self)
        self.momentum = momentum
        self.running_mean = torch.zeros(num_features)
