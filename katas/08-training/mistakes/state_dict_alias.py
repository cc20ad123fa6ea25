"""best = model.state_dict() keeps references to the live weights, so the "best" follows the model to its last epoch

catches: test_snapshot_is_a_copy, test_fit_keeps_best
"""


def snapshot(model):
    return model.state_dict()  # references to the live tensors, not a copy
