"""strip_prefix renames the keys of the caller's dict instead of returning a new one

catches: test_strip_prefix, test_strip_prefix_only_at_start
"""


def strip_prefix(state_dict, prefix="module."):
    for key in list(state_dict):
        state_dict[key.removeprefix(prefix)] = state_dict.pop(key)  # rewrites the caller's dict
    return state_dict
