"""key.replace(prefix, "", 1) removes the first "module." anywhere in the key, not only at its start: "encoder.module.weight" becomes "encoder.weight"

catches: test_strip_prefix_only_at_start
"""


def strip_prefix(state_dict, prefix="module."):
    return {key.replace(prefix, "", 1): value for key, value in state_dict.items()}
