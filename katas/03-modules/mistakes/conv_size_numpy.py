"""np.floor_divide(...) + 1: the right number, but a numpy.int64 where the README asks for a Python int

catches: test_conv_output_size
"""

import numpy as np


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return np.floor_divide(size + 2 * padding - dilation * (kernel - 1) - 1, stride) + 1
