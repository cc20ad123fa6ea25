"""np.asarray(t.detach()) without .cpu(): NumPy reads a CPU tensor, but a GPU tensor must be copied back first

catches: test_to_numpy
"""

import numpy as np


def to_numpy(t):
    return np.asarray(t.detach())
