"""unsqueeze(0) adds a batch axis in front instead of the channel axis at position 1

catches: test_add_channel_dim
"""


def add_channel_dim(images):
    return images.unsqueeze(0)
