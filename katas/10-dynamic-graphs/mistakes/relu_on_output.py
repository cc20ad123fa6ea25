"""RepeatNet applies relu after the last layer too: negative outputs are cut to 0

catches: test_repeat_net_forward
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
            h = torch.relu(self.middle(h))
        return torch.relu(self.last(h))
