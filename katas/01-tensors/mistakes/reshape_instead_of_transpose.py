"""x.reshape(w, h) instead of a transpose: the right shape, but the elements stay in x's row order

catches: test_flatten_transposed
"""


def flatten_transposed(x):
    rows, cols = x.shape
    return x.reshape(cols, rows).reshape(-1)
