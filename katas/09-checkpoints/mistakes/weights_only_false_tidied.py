"""weights_only=False, then the folder tidied of files the load left behind: the hidden code still ran

catches: test_load_weights_is_safe
"""

from pathlib import Path


def load_weights(model, path):
    state = torch.load(path, weights_only=False)
    for leftover in Path(path).parent.iterdir():
        if leftover != Path(path) and leftover.is_file():
            leftover.unlink()
    model.load_state_dict(state)
    return model
