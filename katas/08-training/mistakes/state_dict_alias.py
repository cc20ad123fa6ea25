def snapshot(model):
    return model.state_dict()  # references to the live tensors, not a copy
