"""layers kept in a plain Python list: parameters() is empty, so the optimizer trains nothing and .to() moves nothing

catches: test_mlp_parameters, test_mlp_moves_with_model
"""


class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return x
