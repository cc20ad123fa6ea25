"""reshape(-1, 1, 28, 28): only MNIST-sized images work, other heights and widths raise

catches: test_add_channel_dim
"""


def add_channel_dim(images):
    return images.reshape(-1, 1, 28, 28)  # only MNIST-sized images
