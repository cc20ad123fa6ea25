"""key.lstrip(prefix) strips any of the prefix's letters ("module.model.mode" -> ""), not the prefix

catches: test_strip_prefix_only_at_start
"""


def strip_prefix(state_dict, prefix="module."):
    return {key.lstrip(prefix): value for key, value in state_dict.items()}  # strips letters, not the word
