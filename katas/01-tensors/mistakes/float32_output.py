"""(x @ w.T + b).float(): casts every result to float32, so a float64 layer loses its precision

catches: test_linear_forward
"""


def linear_forward(x, w, b):
    return (x @ w.T + b).float()
