"""sum(torch.tensor(p.shape).prod() ...): the count comes back as a 0-d tensor, not a Python int

catches: test_count_parameters
"""


def count_parameters(model):
    return sum(torch.tensor(p.shape).prod() for p in model.parameters() if p.requires_grad)
