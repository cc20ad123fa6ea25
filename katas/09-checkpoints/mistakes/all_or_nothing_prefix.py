"""strip_prefix strips only when every key starts with the prefix, and otherwise returns the keys as they are: a dict that mixes both keeps its prefixed keys

catches: test_strip_prefix_only_at_start
"""


def strip_prefix(state_dict, prefix="module."):
    if all(key.startswith(prefix) for key in state_dict):
        return {key[len(prefix):]: value for key, value in state_dict.items()}
    return dict(state_dict)
