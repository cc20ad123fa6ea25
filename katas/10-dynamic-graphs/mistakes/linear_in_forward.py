"""a new nn.Linear created inside forward: random, unregistered weights that are never trained

catches: test_repeat_net_forward, test_repeat_net_gradients
"""


class RepeatNet(nn.Module):
    def __init__(self, in_features, hidden, out_features):
        super().__init__()
        self.first = nn.Linear(in_features, hidden)
        self.middle = nn.Linear(hidden, hidden)
        self.last = nn.Linear(hidden, out_features)

    def forward(self, x, depth):
        h = torch.relu(self.first(x))
        for _ in range(depth):
            layer = nn.Linear(h.shape[1], h.shape[1])  # a fresh, unregistered layer on every repetition
            h = torch.relu(layer(h))
        return self.last(h)
