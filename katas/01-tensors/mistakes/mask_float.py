"""(x > 0).float(): a 0/1 float mask instead of a bool tensor

catches: test_positive_mask
"""


def positive_mask(x):
    return (x > 0).float()
