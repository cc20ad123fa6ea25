"""a ReLU before every layer, the first included: the raw input's negative features are zeroed

catches: test_mlp_forward
"""


class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x):
        for layer in self.layers:
            x = layer(torch.relu(x))
        return x
