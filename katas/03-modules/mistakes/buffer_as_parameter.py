"""running_mean registered as an nn.Parameter: it shows up in parameters() and goes to the optimizer

catches: test_running_center_buffer
"""


class RunningCenter(RunningCenter):
    def __init__(self, num_features, momentum=0.1):
        nn.Module.__init__(self)
        self.momentum = momentum
        self.running_mean = nn.Parameter(torch.zeros(num_features), requires_grad=False)
