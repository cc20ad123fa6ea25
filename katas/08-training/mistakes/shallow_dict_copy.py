"""snapshot returns dict(model.state_dict()): a new dict, but the same live tensors inside it

catches: test_snapshot_is_a_copy, test_fit_keeps_best
"""


def snapshot(model):
    return dict(model.state_dict())  # copies the dict, not the tensors
