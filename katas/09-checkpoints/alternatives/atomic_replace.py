"""Atomic saves: torch.save to a temporary file beside the target, then os.replace

A crash half-way through a save then never leaves a truncated file where the last good one was.
"""

import os


def _save_atomically(obj, path):
    temporary = f"{path}.tmp"
    torch.save(obj, temporary)
    os.replace(temporary, path)


def save_weights(model, path):
    _save_atomically(model.state_dict(), path)


def save_checkpoint(path, model, optimizer, epoch):
    _save_atomically({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path)
