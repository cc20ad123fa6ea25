"""snapshot detaches each tensor: .detach() shares the memory of the live weights, so training still changes it

catches: test_snapshot_is_a_copy, test_fit_keeps_best
"""


def snapshot(model):
    return {name: tensor.detach() for name, tensor in model.state_dict().items()}
