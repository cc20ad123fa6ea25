"""SGD(..., momentum=0.9, weight_decay=5e-4): the usual training recipe, but the README asks for plain SGD with momentum

catches: test_make_optimizer_sgd
"""


def make_optimizer(model, name, lr):
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
    return torch.optim.Adam(model.parameters(), lr=lr)
