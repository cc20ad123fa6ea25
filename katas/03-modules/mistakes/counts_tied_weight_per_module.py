"""counts each module's own parameters: a weight tied between two modules is counted twice

catches: test_count_parameters
"""


def count_parameters(model):
    total = 0
    for module in model.modules():
        for p in module.parameters(recurse=False):
            if p.requires_grad:
                total += p.numel()
    return total
