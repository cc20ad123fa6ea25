"""layer.forward(x) instead of layer(x): the right numbers, but forward hooks never fire

catches: test_mlp_forward
"""


class MLP(MLP):
    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer.forward(x)
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return x
