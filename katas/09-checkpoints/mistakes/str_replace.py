def strip_prefix(state_dict, prefix="module."):
    return {key.replace(prefix, ""): value for key, value in state_dict.items()}
