"""re.sub("^" + prefix, "", key): the "." of "module." matches any character, so "module_list.0.weight" loses "module_"

catches: test_strip_prefix_only_at_start
"""

import re


def strip_prefix(state_dict, prefix="module."):
    return {re.sub("^" + prefix, "", key): value for key, value in state_dict.items()}
