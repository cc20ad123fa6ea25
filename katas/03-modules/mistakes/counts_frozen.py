"""counting every parameter, frozen ones (requires_grad=False) included

catches: test_count_parameters
"""


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
