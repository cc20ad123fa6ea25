"""round(... / stride) instead of floor division: a window more than half done is counted

catches: test_conv_output_size
"""


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return round((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1
