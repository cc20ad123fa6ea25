"""Kata 1 · Tensors — 张量.

Fill in each function below. Run `kata grade tensors` to check your work.
完成下面的每个函数，然后运行 `kata grade tensors` 检查结果。
"""

import numpy as np
import torch


def to_float_tensor(data):
    """Exercise 1: turn a (nested) list or a NumPy array into a float32 tensor.

    第 1 小题：把（嵌套）列表或 NumPy 数组转换为 float32 张量。
    Hint: torch.tensor, torch.from_numpy, torch.as_tensor, dtype=torch.float32
    提示：torch.tensor、torch.from_numpy、torch.as_tensor、dtype=torch.float32
    """
    raise NotImplementedError("exercise 1: to_float_tensor")


def trainable_zeros(shape):
    """Exercise 2: a float32 tensor of zeros with the given shape that autograd tracks.

    第 2 小题：返回给定形状、全零、float32、并被 autograd 跟踪（requires_grad）的张量。
    """
    raise NotImplementedError("exercise 2: trainable_zeros")


def linear_forward(x, w, b):
    """Exercise 3: the output of a linear layer, y = x · wᵀ + b.

    x: (batch, in_features), w: (out_features, in_features), b: (out_features,)
    returns (batch, out_features), computed with @ or torch.matmul. Any batch size (1 too),
    float32 or float64; x, w and b stay unchanged.
    第 3 小题：线性层的输出 y = x · wᵀ + b（使用矩阵乘法 @ 或 torch.matmul，以及广播）。
    任意批大小（包括 1），float32 或 float64 都可以；不要修改 x、w、b。
    """
    raise NotImplementedError("exercise 3: linear_forward")


def flatten_transposed(x):
    """Exercise 4: transpose the 2-D tensor x, then flatten it to 1-D (row by row of xᵀ).

    x itself stays unchanged.
    第 4 小题：先转置二维张量 x，再把它展平成一维（按 xᵀ 的行顺序）。x 本身保持不变。
    Careful: view() needs contiguous memory — a transposed tensor is not contiguous.
    注意：view() 需要连续内存，而转置后的张量内存不连续。
    """
    raise NotImplementedError("exercise 4: flatten_transposed")


def add_channel_dim(images):
    """Exercise 5: images of shape (N, H, W) -> (N, 1, H, W), adding a channel axis.

    第 5 小题：把形状为 (N, H, W) 的图像变成 (N, 1, H, W)，即加上通道维。
    """
    raise NotImplementedError("exercise 5: add_channel_dim")


def join_batches(a, b):
    """Exercise 6: join two batches (n, features) and (m, features) into one (n + m, features).

    第 6 小题：把两个批次 (n, features) 与 (m, features) 拼接为一个 (n + m, features) 的批次。
    """
    raise NotImplementedError("exercise 6: join_batches")


def to_labels(x):
    """Exercise 7: convert a float tensor of class numbers (e.g. 3.0) to class-index labels.

    Loss functions such as CrossEntropyLoss want int64 labels. Any shape: (N,) labels stay (N,),
    an (N, H, W) map of classes (one per pixel) stays (N, H, W).
    第 7 小题：把存放类别编号的浮点张量（如 3.0）转换为类别索引标签（int64）。
    形状不变：(N,) 的标签仍是 (N,)，(N, H, W) 的逐像素类别图仍是 (N, H, W)。
    """
    raise NotImplementedError("exercise 7: to_labels")


def positive_mask(x):
    """Exercise 8: a bool tensor, True where x > 0.

    第 8 小题：返回一个 bool 张量，x > 0 的位置为 True。
    """
    raise NotImplementedError("exercise 8: positive_mask")


def move_to(x, device):
    """Exercise 9: return x on the given device (a string such as "cpu" or a torch.device).

    Keep the dtype, and keep the result in x's graph: if x requires grad, gradients of the moved
    tensor flow back to x.
    第 9 小题：返回位于指定设备上的 x（设备可以是 "cpu" 这样的字符串或 torch.device）。
    保持 dtype 不变，并让结果留在 x 的计算图中：如果 x 需要梯度，移动后张量的梯度要能传回 x。
    """
    raise NotImplementedError("exercise 9: move_to")


def random_tensors(shape, seed):
    """Exercise 10: reproducible random tensors: (uniform, normal), both float32 of the given shape.

    Draw from one torch.Generator seeded with `seed`: first the uniform tensor in [0, 1)
    (torch.rand), then the standard-normal one (torch.randn). The same seed gives the same
    tensors every time, and the global random state (torch.manual_seed's) stays untouched.
    第 10 小题：可复现的随机张量：返回 (uniform, normal)，两者都是给定形状的 float32 张量。
    从一个以 `seed` 为种子的 torch.Generator 中依次抽取：先是 [0, 1) 上均匀分布的张量（torch.rand），
    再是标准正态分布的张量（torch.randn）。相同的 seed 每次给出相同的张量，且不改动全局随机状态
    （torch.manual_seed 设置的那个）。
    Hint: torch.Generator().manual_seed(seed), generator=...
    提示：torch.Generator().manual_seed(seed)、generator=...
    """
    raise NotImplementedError("exercise 10: random_tensors")
