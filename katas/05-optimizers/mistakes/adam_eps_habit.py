"""Adam(..., eps=1e-6): a habit from mixed-precision recipes, where the README asks for Adam's default eps (1e-8)

catches: test_make_optimizer_adam
"""


def make_optimizer(model, name, lr):
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return torch.optim.Adam(model.parameters(), lr=lr, eps=1e-6)
