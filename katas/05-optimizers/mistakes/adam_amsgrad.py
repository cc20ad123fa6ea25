"""Adam(..., amsgrad=True): "the fixed Adam" keeps the largest second moment seen so far, not Adam's running average

catches: test_make_optimizer_adam
"""


def make_optimizer(model, name, lr):
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return torch.optim.Adam(model.parameters(), lr=lr, amsgrad=True)
