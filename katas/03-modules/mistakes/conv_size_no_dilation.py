"""conv_output_size without the dilation term: right only for dilation 1

catches: test_conv_output_size
"""


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - kernel) // stride + 1  # right only when dilation == 1
