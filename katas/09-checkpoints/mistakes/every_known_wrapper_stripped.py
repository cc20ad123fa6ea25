"""strips "_orig_mod." and "module." whatever prefix is asked for: keys the caller wanted kept lose their start

catches: test_strip_prefix_only_at_start

strip_prefix removes the prefix it is given, and only that one.
"""


def strip_prefix(state_dict, prefix="module."):
    out = {}
    for key, value in state_dict.items():
        for known in ("_orig_mod.", prefix, "module."):
            if key.startswith(known):
                key = key[len(known) :]
        out[key] = value
    return out
