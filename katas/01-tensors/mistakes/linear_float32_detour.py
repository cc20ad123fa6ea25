"""computes in float32 and casts the result back: float64 inputs lose their precision

catches: test_linear_forward
"""


def linear_forward(x, w, b):
    return (x.float() @ w.float().T + b.float()).to(x.dtype)
