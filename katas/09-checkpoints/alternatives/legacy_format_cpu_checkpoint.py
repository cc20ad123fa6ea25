"""The legacy (non-zip) file format; the checkpoint read onto the CPU first (load_state_dict copies to where the model is)"""


def save_weights(model, path):
    torch.save(model.state_dict(), path, _use_new_zipfile_serialization=False)


def save_checkpoint(path, model, optimizer, epoch):
    checkpoint = {"epoch": epoch, "optimizer": optimizer.state_dict(), "model": model.state_dict()}
    torch.save(checkpoint, path, _use_new_zipfile_serialization=False)


def load_checkpoint(path, model, optimizer):
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(checkpoint["model"], strict=True)
    optimizer.load_state_dict(checkpoint["optimizer"])  # moves the state to the parameters' device
    return int(checkpoint["epoch"])
