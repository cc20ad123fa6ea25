"""torch.tensor(np.zeros(shape), requires_grad=True): NumPy's zeros are float64

catches: test_trainable_zeros
"""


def trainable_zeros(shape):
    return torch.tensor(np.zeros(shape), requires_grad=True)
