"""t.numpy() on a tensor that requires grad raises; detach() (and cpu()) first

catches: test_to_numpy
"""


def to_numpy(t):
    return t.numpy()
