"""key.split(prefix)[-1] keeps what follows the last "module." anywhere in the key, not only at its start

catches: test_strip_prefix_only_at_start
"""


def strip_prefix(state_dict, prefix="module."):
    return {key.split(prefix)[-1]: value for key, value in state_dict.items()}
