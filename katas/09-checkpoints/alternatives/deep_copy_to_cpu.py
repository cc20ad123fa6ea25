"""Portable files from a CPU deep copy of the model (the caller's model stays where it is); the checkpoint built step by step"""

import copy


def save_weights(model, path):
    torch.save(copy.deepcopy(model).cpu().state_dict(), path)  # the copy moves, not the model


def save_checkpoint(path, model, optimizer, epoch):
    checkpoint = {}
    checkpoint["model"] = model.state_dict()
    checkpoint["optimizer"] = optimizer.state_dict()
    checkpoint["epoch"] = int(epoch)
    torch.save(checkpoint, path)
