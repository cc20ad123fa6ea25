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
    # state_dict() holds parameters *and* buffers as plain tensors; pickling the whole module
    # would tie the file to this class's code and refuse to load with weights_only=True.
    # state_dict() 以普通张量的形式保存参数以及 buffer（缓冲区）；pickle 整个模块
    # 会让文件依赖这个类的代码，而且用 weights_only=True 无法加载。
    torch.save(model.state_dict(), path)


def load_weights(model, path):
    """Exercise 2: load weights saved by `save_weights` into `model` and return `model`.

    Load safely (`weights_only=True`, passed yourself: never run code hidden in a file; it is
    the default only from torch 2.6) and strictly (a file whose keys do not match the model must
    raise an error, not be half-loaded).
    第 2 小题：把 `save_weights` 保存的权重加载到 `model` 中，并返回 `model`。
    要安全地加载（自己传入 `weights_only=True`：绝不执行文件里夹带的代码；它只从 torch 2.6
    起才是默认值），并严格匹配（键与模型不一致的文件必须报错，而不是只加载一部分）。
    """
    # weights_only=True only unpickles tensors and plain containers; strict=True (the default)
    # raises on missing or unexpected keys instead of silently skipping them.
    # weights_only=True 只反序列化张量和普通容器；strict=True（默认值）
    # 在缺少键或多出键时报错，而不是悄悄跳过。
    state = torch.load(path, weights_only=True)
    model.load_state_dict(state)
    return model


def save_checkpoint(path, model, optimizer, epoch):
    """Exercise 3: save a training checkpoint to `path`: a dict with the keys
    "model" (the model's state_dict), "optimizer" (the optimizer's state_dict) and "epoch".

    第 3 小题：把训练检查点保存到 `path`：一个字典，键为 "model"（模型的 state_dict）、
    "optimizer"（优化器的 state_dict）和 "epoch"。
    """
    # The optimizer's state (Adam's moment estimates, step counts) is part of the training
    # state: without it a resumed run starts Adam over and drifts away.
    # 优化器的状态（Adam 的矩估计、步数）也是训练状态的一部分：
    # 没有它，恢复后的训练会让 Adam 从头开始，逐渐偏离原来的轨迹。
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path)


def load_checkpoint(path, model, optimizer):
    """Exercise 4: restore `model` and `optimizer` from a checkpoint written by
    `save_checkpoint` and return the saved epoch, so training resumes exactly where it stopped.
    Load safely, with `weights_only=True`.

    第 4 小题：从 `save_checkpoint` 写入的检查点恢复 `model` 和 `optimizer`，并返回保存的
    epoch，使训练能从中断处完全一致地继续。要用 `weights_only=True` 安全地加载。
    """
    # weights_only=True here too: a checkpoint is just as able to carry hidden code as a weights file.
    # 这里也要 weights_only=True：检查点和权重文件一样可能夹带隐藏的代码。
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"]


def load_to_device(path, device):
    """Exercise 5: load a state_dict file so that every tensor lands on `device` (any device),
    even when the file was saved on a GPU and this machine has none. Load safely
    (`weights_only=True`) and return the loaded state_dict.

    第 5 小题：加载一个 state_dict 文件，使其中每个张量都落在 `device`（任何设备）上——即使文件
    是在 GPU 上保存的而本机没有 GPU。要用 `weights_only=True` 安全地加载，并返回加载后的 state_dict。
    """
    # map_location remaps storages while reading; without it a GPU-saved file tries to
    # recreate its tensors on the GPU and fails on a CPU-only machine.
    # map_location 在读取时就把数据放到目标设备上；没有它，在 GPU 上保存的文件会试图
    # 在 GPU 上重建张量，在只有 CPU 的机器上就会失败。
    return torch.load(path, map_location=device, weights_only=True)


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
    # removeprefix only touches the start: "encoder.module.weight" or "submodule.x" are left
    # alone, which str.replace would mangle.
    # removeprefix 只处理开头：encoder.module.weight 或 submodule.x 这样的键保持不变，
    # 而 str.replace 会把它们改坏。
    return {key.removeprefix(prefix): value for key, value in state_dict.items()}
