"""Adam(..., betas=(0.9, 0.98)): a transformer recipe's betas, where the README asks for Adam's defaults (0.9, 0.999)

catches: test_make_optimizer_adam
"""


def make_optimizer(model, name, lr):
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.98))
