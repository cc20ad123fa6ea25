"""x.t_() transposes the caller's tensor instead of making a transposed view

catches: test_flatten_transposed
"""


def flatten_transposed(x):
    x.t_()  # transposes the caller's tensor, not a copy
    return x.reshape(-1)
