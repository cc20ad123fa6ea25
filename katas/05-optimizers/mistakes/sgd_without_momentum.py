"""torch.optim.SGD(params, lr=lr) leaves momentum at 0: step 1 matches, later steps do not

catches: test_make_optimizer_sgd
"""


def make_optimizer(model, name, lr):
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr)
    return torch.optim.Adam(model.parameters(), lr=lr)
