"""while key.startswith(prefix): strips the prefix again and again, so "module.module.head.weight" becomes "head.weight"

catches: test_strip_prefix_only_at_start

DataParallel adds one "module." to each key; a model may itself hold a submodule named module, whose
name must stay. One call removes one prefix.
"""


def strip_prefix(state_dict, prefix="module."):
    out = {}
    for key, value in state_dict.items():
        while key.startswith(prefix):
            key = key[len(prefix) :]
        out[key] = value
    return out
