"""/ instead of //: a float, not rounded down when the last window does not fit

catches: test_conv_output_size
"""


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1  # a float, and not rounded down
