"""strip_prefix cuts len(prefix) characters off every key, also off the keys that do not start with it

catches: test_strip_prefix_only_at_start
"""


def strip_prefix(state_dict, prefix="module."):
    return {key[len(prefix) :]: value for key, value in state_dict.items()}
