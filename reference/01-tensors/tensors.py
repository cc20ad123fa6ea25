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
    # as_tensor handles lists and arrays alike; NumPy arrays default to float64, so say float32.
    # as_tensor 对列表和数组一视同仁；NumPy 数组默认是 float64，所以要写明 float32。
    return torch.as_tensor(data, dtype=torch.float32)


def trainable_zeros(shape):
    """Exercise 2: a float32 tensor of zeros with the given shape that autograd tracks.

    第 2 小题：返回给定形状、全零、float32、并被 autograd 跟踪（requires_grad）的张量。
    """
    # Created with requires_grad=True it is a leaf: backward() will fill its .grad.
    # 用 requires_grad=True 创建的张量是叶子张量：backward() 会填充它的 .grad。
    return torch.zeros(shape, dtype=torch.float32, requires_grad=True)


def linear_forward(x, w, b):
    """Exercise 3: the output of a linear layer, y = x · wᵀ + b.

    x: (batch, in_features), w: (out_features, in_features), b: (out_features,)
    returns (batch, out_features), computed with @ or torch.matmul. Any batch size (1 too),
    float32 or float64; x, w and b stay unchanged.
    第 3 小题：线性层的输出 y = x · wᵀ + b（使用矩阵乘法 @ 或 torch.matmul，以及广播）。
    任意批大小（包括 1），float32 或 float64 都可以；不要修改 x、w、b。
    """
    # @ is torch.matmul; b broadcasts over the batch rows. Out-of-place, so the inputs stay as they are.
    # @ 就是 torch.matmul；b 会沿批次的每一行广播。运算不是原地的，所以输入保持原样。
    return x @ w.T + b


def flatten_transposed(x):
    """Exercise 4: transpose the 2-D tensor x, then flatten it to 1-D (row by row of xᵀ).

    x itself stays unchanged.
    第 4 小题：先转置二维张量 x，再把它展平成一维（按 xᵀ 的行顺序）。x 本身保持不变。
    Careful: view() needs contiguous memory — a transposed tensor is not contiguous.
    注意：view() 需要连续内存，而转置后的张量内存不连续。
    """
    # x.t() only swaps strides; reshape copies when it must, view would raise.
    # x.t() 只交换步长（stride）；reshape 在必要时会复制数据，view 则会报错。
    return x.t().reshape(-1)


def add_channel_dim(images):
    """Exercise 5: images of shape (N, H, W) -> (N, 1, H, W), adding a channel axis.

    第 5 小题：把形状为 (N, H, W) 的图像变成 (N, 1, H, W)，即加上通道维。
    """
    # The channel axis sits right after the batch axis in PyTorch's (N, C, H, W) layout.
    # 在 PyTorch 的 (N, C, H, W) 布局中，通道维紧跟在批维之后。
    return images.unsqueeze(1)


def join_batches(a, b):
    """Exercise 6: join two batches (n, features) and (m, features) into one (n + m, features).

    第 6 小题：把两个批次 (n, features) 与 (m, features) 拼接为一个 (n + m, features) 的批次。
    """
    # Rows are samples, so batches are joined along dim 0.
    # 每一行是一个样本，所以批次沿第 0 维拼接。
    return torch.cat([a, b], dim=0)


def to_labels(x):
    """Exercise 7: convert a float tensor of class numbers (e.g. 3.0) to class-index labels.

    Loss functions such as CrossEntropyLoss want int64 labels. Any shape: (N,) labels stay (N,),
    an (N, H, W) map of classes (one per pixel) stays (N, H, W).
    第 7 小题：把存放类别编号的浮点张量（如 3.0）转换为类别索引标签（int64）。
    形状不变：(N,) 的标签仍是 (N,)，(N, H, W) 的逐像素类别图仍是 (N, H, W)。
    """
    # .long() is int64; .int() would be int32, which CrossEntropyLoss rejects.
    # .long() 得到 int64；.int() 得到的是 int32，CrossEntropyLoss 不接受。
    return x.long()


def positive_mask(x):
    """Exercise 8: a bool tensor, True where x > 0.

    第 8 小题：返回一个 bool 张量，x > 0 的位置为 True。
    """
    return x > 0


def move_to(x, device):
    """Exercise 9: return x on the given device (a string such as "cpu" or a torch.device).

    Keep the dtype, and keep the result in x's graph: if x requires grad, gradients of the moved
    tensor flow back to x.
    第 9 小题：返回位于指定设备上的 x（设备可以是 "cpu" 这样的字符串或 torch.device）。
    保持 dtype 不变，并让结果留在 x 的计算图中：如果 x 需要梯度，移动后张量的梯度要能传回 x。
    """
    # .to() returns a new tensor on that device (or x itself when it is already there); it is
    # differentiable, so gradients flow back to x, and it keeps the dtype.
    # .to() 返回位于该设备上的新张量（x 已经在那里时返回 x 本身）；它可以求导，
    # 所以梯度会传回 x，而且 dtype 保持不变。
    return x.to(device)


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
    # A private generator: reproducible from `seed` alone, and other code's randomness is left alone.
    # 只属于这里的生成器：结果只由 `seed` 决定，也不会影响其他代码的随机数。
    generator = torch.Generator().manual_seed(seed)
    uniform = torch.rand(shape, generator=generator)
    normal = torch.randn(shape, generator=generator)  # the same generator, so it continues the stream
    # 同一个生成器，所以接着前面的随机序列继续抽取
    return uniform, normal
