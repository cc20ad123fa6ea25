"""SGD(..., momentum=0.9, nesterov=True): Nesterov's look-ahead step, not the plain momentum the README asks for

catches: test_make_optimizer_sgd
"""


def make_optimizer(model, name, lr):
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True)
    return torch.optim.Adam(model.parameters(), lr=lr)
