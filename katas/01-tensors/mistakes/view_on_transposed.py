def flatten_transposed(x):
    return x.t().view(-1)
