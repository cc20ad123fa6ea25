"""a ReLU after the output layer too: the logits can never be negative

catches: test_mlp_forward
"""


class MLP(MLP):
    def forward(self, x):
        for layer in self.layers:
            x = torch.relu(layer(x))
        return x
