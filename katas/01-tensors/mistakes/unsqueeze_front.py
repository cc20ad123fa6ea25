def add_channel_dim(images):
    return images.unsqueeze(0)
