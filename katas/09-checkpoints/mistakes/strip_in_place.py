def strip_prefix(state_dict, prefix="module."):
    for key in list(state_dict):
        state_dict[key.removeprefix(prefix)] = state_dict.pop(key)  # rewrites the caller's dict
    return state_dict
