def strip_prefix(state_dict, prefix="module."):
    return {key.lstrip(prefix): value for key, value in state_dict.items()}  # strips letters, not the word
