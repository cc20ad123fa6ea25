"""Kata 7 · Devices — 设备.

The primer's one-liner `torch.device("cuda" if torch.cuda.is_available() else "cpu")` only knows
NVIDIA cards. Here you write device code that also finds Apple (MPS), Intel (XPU), Huawei Ascend
(NPU, via torch_npu) and Cambricon (MLU, via torch_mlu) accelerators, moves whole batches, and keeps
data where the model is. Run `kata grade devices` to check your work.

入门教程里的 `torch.device("cuda" if torch.cuda.is_available() else "cpu")` 只认识 NVIDIA 显卡。
本练习要写出也能找到苹果（MPS）、英特尔（XPU）、华为昇腾（NPU，需 torch_npu）和寒武纪（MLU，需
torch_mlu）加速卡的设备代码，能搬运整个批次，并让数据始终待在模型所在的设备上。
完成下面的每个函数，然后运行 `kata grade devices` 检查结果。
"""

import torch


def pick_device():
    """Exercise 1: the best available device, as a string such as "cuda", "npu" or "cpu".

    Priority: "cuda" (torch.cuda), "mps" (torch.backends.mps), "xpu" (torch.xpu), "npu" (torch.npu,
    only present once torch_npu is installed), "mlu" (torch.mlu, only with torch_mlu); then any other
    accelerator that torch.accelerator reports as available (its type, e.g. "hpu"; torch.accelerator
    only exists in torch >= 2.6; its current_accelerator() names what torch was built for even where
    no such card is present, so ask is_available() first); else "cpu".
    Return a string: torch.device("npu") cannot even be built on a torch without torch_npu.

    第 1 小题：返回当前可用的最佳设备，形式为字符串，如 "cuda"、"npu" 或 "cpu"。
    优先级："cuda"（torch.cuda）、"mps"（torch.backends.mps）、"xpu"（torch.xpu）、"npu"（torch.npu，
    只有装了 torch_npu 才存在）、"mlu"（torch.mlu，只有装了 torch_mlu 才存在）；然后是 torch.accelerator
    报告为可用的任何其他加速器（返回它的类型，如 "hpu"；torch.accelerator 只在 torch >= 2.6 中存在；它的
    current_accelerator() 给出 torch 编译时支持的加速器，即使没有这种卡也一样，所以先问 is_available()）；
    否则 "cpu"。
    请返回字符串：在没有 torch_npu 的 torch 上，连 torch.device("npu") 都无法创建。
    """
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    # getattr(..., None): these attributes are missing from some torch builds; never assume them.
    # getattr(..., None)：有些 torch 版本没有这些属性；不要想当然地认为它们存在。
    xpu = getattr(torch, "xpu", None)
    if xpu is not None and xpu.is_available():
        return "xpu"
    for name in ("npu", "mlu"):
        # torch.npu / torch.mlu appear only after torch_npu / torch_mlu is imported (or autoloaded).
        # torch.npu / torch.mlu 只有在导入（或自动加载）torch_npu / torch_mlu 之后才会出现。
        backend = getattr(torch, name, None)
        if backend is not None and backend.is_available():
            return name  # a string: torch.device("npu") fails where torch_npu is not loaded
            # 返回字符串：没有加载 torch_npu 时，torch.device("npu") 会失败
    accelerator = getattr(torch, "accelerator", None)  # torch >= 2.6
    # torch >= 2.6 才有
    # is_available() first: current_accelerator() names what torch was built for, card or no card.
    # 先问 is_available()：current_accelerator() 给出的是 torch 编译时支持的加速器，不管有没有这种卡。
    if accelerator is not None and accelerator.is_available():
        return accelerator.current_accelerator().type
    return "cpu"


def move_batch(batch, device):
    """Exercise 2: move every tensor inside a (nested) batch to `device`.

    A batch may be a tensor, or a dict / list / tuple holding tensors, other containers and plain
    values (strings, numbers). Return the same structure: dicts stay dicts with the same keys, lists
    stay lists, tuples stay tuples; tensors are moved with .to(device) (which keeps them in the
    autograd graph); anything else is kept as is. Build new containers: leave `batch` as it was.

    第 2 小题：把（嵌套的）批次中的每个张量都移动到 `device` 上。
    批次可以是一个张量，也可以是 dict / list / tuple，里面装着张量、其他容器和普通值（字符串、数字）。
    返回结构相同的结果：dict 仍是键相同的 dict，list 仍是 list，tuple 仍是 tuple；张量用 .to(device)
    移动（这样它们仍留在 autograd 计算图中）；其他值原样保留。要构建新的容器：`batch` 保持原样。
    """
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    # A dict has no .to(): walk the containers and rebuild each one with the same type.
    # dict 没有 .to()：逐层遍历容器，并用相同的类型重建每一个容器。
    if isinstance(batch, dict):
        return {key: move_batch(value, device) for key, value in batch.items()}
    if isinstance(batch, list):
        return [move_batch(value, device) for value in batch]
    if isinstance(batch, tuple):
        return tuple(move_batch(value, device) for value in batch)
    return batch  # strings, numbers, None: nothing to move
    # 字符串、数字、None：没有要移动的东西


def model_device(model):
    """Exercise 3: the torch.device the model lives on.

    That is the device of its first parameter, or of its first buffer when it has no parameters;
    a model with neither (e.g. nn.ReLU()) counts as being on the CPU.

    第 3 小题：返回模型所在的 torch.device。
    即第一个参数所在的设备；没有参数时取第一个 buffer（缓冲区）所在的设备；两者都没有的模型
    （如 nn.ReLU()）视为在 CPU 上。
    """
    # Ask the model, do not guess: it may be on any device, including "meta".
    # 直接查看模型，不要猜：它可能在任何设备上，包括 meta 设备。
    for tensor in list(model.parameters()) + list(model.buffers()):
        return tensor.device
    return torch.device("cpu")


def predict(model, x):
    """Exercise 4: run `model` on `x`, wherever the model lives.

    x may be on another device (usually the CPU): move it to the model's device first (leave the
    model where it is), then return model's output (which is on the model's device).

    第 4 小题：无论模型在哪个设备上，都能用 `model` 处理 `x`。
    x 可能在别的设备上（通常是 CPU）：先把它移到模型所在的设备（模型留在原处），再返回模型的输出（输出位于
    模型所在的设备）。
    """
    # Model and data must share a device; moving the data is cheap, moving the model is not.
    # 模型和数据必须在同一个设备上；移动数据代价小，移动模型代价大。
    return model(x.to(model_device(model)))


def supported_dtype(device, dtype):
    """Exercise 5: a dtype the device can hold: `dtype` itself, or float32 instead of float64 on MPS.

    Apple's MPS backend has no float64. `device` is a string ("mps", "cuda:1", "npu", ...) or a
    torch.device; every other device and every other dtype is returned unchanged.

    第 5 小题：返回该设备支持的 dtype：通常就是 `dtype` 本身，但在 MPS 上要把 float64 换成 float32。
    苹果的 MPS 后端不支持 float64。`device` 可以是字符串（"mps"、"cuda:1"、"npu" 等）或 torch.device；
    其他设备和其他 dtype 都原样返回。
    """
    # Compare the type as a string: torch.device("npu") would raise on a torch without torch_npu.
    # 把设备类型当作字符串比较：在没有 torch_npu 的 torch 上，torch.device("npu") 会报错。
    kind = str(device).split(":")[0]
    if kind == "mps" and dtype == torch.float64:
        return torch.float32
    return dtype
