"""current_accelerator(check_available=True); a container's own type rebuilt; predict under torch.no_grad()"""


def pick_device():
    for name, usable in (("cuda", torch.cuda.is_available), ("mps", torch.backends.mps.is_available)):
        if usable():
            return name
    for name in ("xpu", "npu", "mlu"):
        if hasattr(torch, name) and getattr(torch, name).is_available():
            return name
    if hasattr(torch, "accelerator"):
        found = torch.accelerator.current_accelerator(check_available=True)  # None unless one is usable
        if found is not None:
            return found.type
    return "cpu"


def move_batch(batch, device):
    if torch.is_tensor(batch):
        return batch.to(device=device)
    if isinstance(batch, dict):
        return type(batch)((key, move_batch(value, device)) for key, value in batch.items())
    if isinstance(batch, (list, tuple)):
        return type(batch)(move_batch(value, device) for value in batch)
    return batch


def model_device(model):
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return torch.device("cpu")


def predict(model, x):
    with torch.no_grad():  # inference only: no graph needed
        return model(x.to(model_device(model)))
