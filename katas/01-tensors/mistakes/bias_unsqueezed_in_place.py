"""b.unsqueeze_(0) changes the caller's bias tensor; the result looks right, the input is damaged

catches: test_linear_forward
"""


def linear_forward(x, w, b):
    b.unsqueeze_(0)  # "make b a row": the trailing _ changes the caller's tensor
    return x @ w.T + b
