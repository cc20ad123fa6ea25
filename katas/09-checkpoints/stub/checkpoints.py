"""Kata 9 · Checkpoints — 保存与加载模型.

Fill in each function below. Run `kata grade checkpoints` to check your work.
完成下面的每个函数，然后运行 `kata grade checkpoints` 检查结果。
"""

import torch


def save_weights(model, path):
    """Exercise 1: save the model's weights (its state_dict) to the file `path`.

    The file must load with `torch.load(path, weights_only=True)`, and buffers such as
    BatchNorm's running statistics must be in it too.
    第 1 小题：把模型的权重（state_dict）保存到文件 `path`。
    该文件必须能用 `torch.load(path, weights_only=True)` 加载，并且包含 BatchNorm 的
    running 统计量等 buffer（缓冲区）。
    """
    raise NotImplementedError("exercise 1: save_weights")


def load_weights(model, path):
    """Exercise 2: load weights saved by `save_weights` into `model` and return `model`.

    Load safely (`weights_only=True`, passed yourself: never run code hidden in a file; it is
    the default only from torch 2.6) and strictly (a file whose keys do not match the model must
    raise an error, not be half-loaded).
    第 2 小题：把 `save_weights` 保存的权重加载到 `model` 中，并返回 `model`。
    要安全地加载（自己传入 `weights_only=True`：绝不执行文件里夹带的代码；它只从 torch 2.6
    起才是默认值），并严格匹配（键与模型不一致的文件必须报错，而不是只加载一部分）。
    """
    raise NotImplementedError("exercise 2: load_weights")


def save_checkpoint(path, model, optimizer, epoch):
    """Exercise 3: save a training checkpoint to `path`: a dict with the keys
    "model" (the model's state_dict), "optimizer" (the optimizer's state_dict) and "epoch".

    第 3 小题：把训练检查点保存到 `path`：一个字典，键为 "model"（模型的 state_dict）、
    "optimizer"（优化器的 state_dict）和 "epoch"。
    """
    raise NotImplementedError("exercise 3: save_checkpoint")


def load_checkpoint(path, model, optimizer):
    """Exercise 4: restore `model` and `optimizer` from a checkpoint written by
    `save_checkpoint` and return the saved epoch, so training resumes exactly where it stopped.
    Load safely, with `weights_only=True`.

    第 4 小题：从 `save_checkpoint` 写入的检查点恢复 `model` 和 `optimizer`，并返回保存的
    epoch，使训练能从中断处完全一致地继续。要用 `weights_only=True` 安全地加载。
    """
    raise NotImplementedError("exercise 4: load_checkpoint")


def load_to_device(path, device):
    """Exercise 5: load a state_dict file so that every tensor lands on `device` (any device),
    even when the file was saved on a GPU and this machine has none. Load safely
    (`weights_only=True`) and return the loaded state_dict.

    第 5 小题：加载一个 state_dict 文件，使其中每个张量都落在 `device`（任何设备）上——即使文件
    是在 GPU 上保存的而本机没有 GPU。要用 `weights_only=True` 安全地加载，并返回加载后的 state_dict。
    """
    raise NotImplementedError("exercise 5: load_to_device")


def strip_prefix(state_dict, prefix="module."):
    """Exercise 6: return a new state_dict whose keys lose `prefix` where they start with it.

    `nn.DataParallel` / `DistributedDataParallel` save keys as "module.<name>" and
    `torch.compile` as "_orig_mod.<name>". Only a prefix at the very start of a key is removed;
    keys without it, and the order of the keys, stay as they are; `state_dict` itself is not changed.
    第 6 小题：返回一个新的 state_dict：以 `prefix` 开头的键去掉这个前缀。
    `nn.DataParallel` / `DistributedDataParallel` 保存的键形如 "module.<name>"，
    `torch.compile` 的形如 "_orig_mod.<name>"。只去掉键最开头的前缀；其他键和键的顺序保持不变；
    传进来的 `state_dict` 本身不被修改。
    """
    raise NotImplementedError("exercise 6: strip_prefix")
