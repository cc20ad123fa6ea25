"""x.to(device) called for its effect and its result thrown away: a tensor's .to() returns a moved copy (only a module's .to() moves it in place)

catches: test_move_batch_nested, test_predict_follows_model
"""


def move_batch(batch, device):
    if isinstance(batch, torch.Tensor):
        batch.to(device)  # like model.to(device)... but a tensor is not moved in place
        return batch
    if isinstance(batch, dict):
        return {key: move_batch(value, device) for key, value in batch.items()}
    if isinstance(batch, list):
        return [move_batch(value, device) for value in batch]
    if isinstance(batch, tuple):
        return tuple(move_batch(value, device) for value in batch)
    return batch


def predict(model, x):
    x.to(model_device(model))  # the moved copy is dropped: x is still where it was
    return model(x)
