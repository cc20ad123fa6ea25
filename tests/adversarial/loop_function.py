"""Every exercise loops forever."""


def _forever(*args, **kwargs):
    while True:
        pass


to_float_tensor = trainable_zeros = linear_forward = flatten_transposed = _forever
add_channel_dim = join_batches = to_labels = positive_mask = move_to = _forever
random_tensors = _forever
