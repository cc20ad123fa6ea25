"""str.replace removes "module." anywhere in a key ("submodule.x" -> "subx")

catches: test_strip_prefix_only_at_start
"""


def strip_prefix(state_dict, prefix="module."):
    return {key.replace(prefix, ""): value for key, value in state_dict.items()}
