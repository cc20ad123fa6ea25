"""Kata 1 · Tensors — 张量.

Fill in each function below. Run `kata grade tensors` to check your work.
完成下面的每个函数，然后运行 `kata grade tensors` 检查结果。
"""

import numpy as np
import torch


def to_float_tensor(data):
    """Exercise 1: turn a (nested) list or a NumPy array into a float32 tensor.

    练习 1：把（嵌套）列表或 NumPy 数组转换为 float32 张量。
    Hint/提示: torch.tensor, torch.from_numpy, torch.as_tensor, dtype=torch.float32
    """
    # as_tensor handles lists and arrays alike; NumPy arrays default to float64, so say float32.
    return torch.as_tensor(data, dtype=torch.float32)


def trainable_zeros(shape):
    """Exercise 2: a float32 tensor of zeros with the given shape that autograd tracks.

    练习 2：返回给定形状、全零、float32、并被 autograd 跟踪（requires_grad）的张量。
    """
    # Created with requires_grad=True it is a leaf: backward() will fill its .grad.
    return torch.zeros(shape, dtype=torch.float32, requires_grad=True)


def linear_forward(x, w, b):
    """Exercise 3: the output of a linear layer, y = x · wᵀ + b.

    x: (batch, in_features), w: (out_features, in_features), b: (out_features,)
    returns (batch, out_features).
    练习 3：线性层的输出 y = x · wᵀ + b（使用矩阵乘法 @ 与广播）。
    """
    # @ is matrix multiplication; b broadcasts over the batch rows.
    return x @ w.T + b


def flatten_transposed(x):
    """Exercise 4: transpose the 2-D tensor x, then flatten it to 1-D (row by row of xᵀ).

    练习 4：先转置二维张量 x，再把它展平成一维（按 xᵀ 的行顺序）。
    Careful/注意: view() needs contiguous memory — a transposed tensor is not contiguous.
    """
    # x.t() only swaps strides; reshape copies when it must, view would raise.
    return x.t().reshape(-1)


def add_channel_dim(images):
    """Exercise 5: images of shape (N, H, W) -> (N, 1, H, W), adding a channel axis.

    练习 5：把形状为 (N, H, W) 的图像变成 (N, 1, H, W)，即加上通道维。
    """
    # The channel axis sits right after the batch axis in PyTorch's (N, C, H, W) layout.
    return images.unsqueeze(1)


def join_batches(a, b):
    """Exercise 6: join two batches (n, features) and (m, features) into one (n + m, features).

    练习 6：把两个批次 (n, features) 与 (m, features) 拼接为一个 (n + m, features) 的批次。
    """
    # Rows are samples, so batches are joined along dim 0.
    return torch.cat([a, b], dim=0)


def to_labels(x):
    """Exercise 7: convert a float tensor of class numbers (e.g. 3.0) to class-index labels.

    Loss functions such as CrossEntropyLoss want int64 labels.
    练习 7：把存放类别编号的浮点张量（如 3.0）转换为类别索引标签（int64）。
    """
    # .long() is int64; .int() would be int32, which CrossEntropyLoss rejects.
    return x.long()


def positive_mask(x):
    """Exercise 8: a bool tensor, True where x > 0.

    练习 8：返回一个 bool 张量，x > 0 的位置为 True。
    """
    return x > 0


def move_to(x, device):
    """Exercise 9: return x on the given device (a string such as "cpu" or a torch.device).

    练习 9：返回位于指定设备上的 x（设备可以是 "cpu" 这样的字符串或 torch.device）。
    """
    # .to() returns a new tensor on that device (or x itself when it is already there).
    return x.to(device)
