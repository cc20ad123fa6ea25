"""strip_prefix always strips "module." and ignores the prefix argument (so "_orig_mod." from torch.compile stays)

catches: test_strip_prefix
"""


def strip_prefix(state_dict, prefix="module."):
    return {key.removeprefix("module."): value for key, value in state_dict.items()}
