"""torch.optim.AdamW for "adam": its default weight_decay of 0.01 shrinks every parameter on each step

catches: test_make_optimizer_adam
"""


def make_optimizer(model, name, lr):
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return torch.optim.AdamW(model.parameters(), lr=lr)
