"""x.t().view(-1): view needs contiguous memory, so it raises on a transposed tensor

catches: test_flatten_transposed
"""


def flatten_transposed(x):
    return x.t().view(-1)
