"""register_buffer(..., persistent=False): moved by .to(), but left out of state_dict(), so a saved model forgets its running mean

catches: test_running_center_buffer
"""


class RunningCenter(RunningCenter):
    def __init__(self, num_features, momentum=0.1):
        nn.Module.__init__(self)
        self.momentum = momentum
        self.register_buffer("running_mean", torch.zeros(num_features), persistent=False)
