"""Kata 4 · Losses — 损失函数.

Fill in each function below. Run `kata grade losses` to check your work.
完成下面的每个函数，然后运行 `kata grade losses` 检查结果。
"""

import torch
from torch import nn
import torch.nn.functional as F


def classification_loss(logits, labels):
    """Exercise 1: the mean cross-entropy loss of raw scores `logits` (N, C) for class `labels` (N,).

    labels hold class numbers but may come as float (3.0) or int32 from a file: the loss needs
    int64 class indices. Use nn.CrossEntropyLoss (or F.cross_entropy).
    第 1 小题：计算原始分数 logits（形状 (N, C)）相对类别标签 labels（形状 (N,)）的平均交叉熵损失。
    labels 存的是类别编号，但从文件读入时可能是 float（3.0）或 int32：损失函数需要 int64 类别索引。
    请使用 nn.CrossEntropyLoss（或 F.cross_entropy）。
    Careful: CrossEntropyLoss applies log-softmax itself — pass raw logits.
    注意：CrossEntropyLoss 内部已经做了 log-softmax，请直接传入原始 logits。
    """
    # CrossEntropyLoss = log_softmax + nll_loss: it wants raw logits (a softmax first would be
    # applied twice) and int64 class indices, and averages over the batch by default.
    # CrossEntropyLoss = log_softmax + nll_loss：它要的是原始 logits（先做 softmax 就等于做了两次）
    # 和 int64 类别索引，默认对整批求平均。
    return nn.CrossEntropyLoss()(logits, labels.long())


def regression_loss(pred, target):
    """Exercise 2: the mean squared error between predictions and targets.

    pred comes from a model ending in nn.Linear(..., 1), so it is (N, 1); target is (N,) or (N, 1).
    Compare prediction i with target i only. Use nn.MSELoss (or F.mse_loss).
    第 2 小题：计算预测值与目标值之间的均方误差。
    pred 来自以 nn.Linear(..., 1) 结尾的模型，形状为 (N, 1)；target 的形状为 (N,) 或 (N, 1)。
    只比较第 i 个预测与第 i 个目标。请使用 nn.MSELoss（或 F.mse_loss）。
    Careful: (N, 1) against (N,) broadcasts to an (N, N) table: give pred the target's shape
    (pred.view_as(target)); pred.squeeze(1) would break an (N, 1) target the same way.
    注意：(N, 1) 与 (N,) 相减会广播成 (N, N) 的表格：先让 pred 的形状与 target 相同
    （pred.view_as(target)）；对 (N, 1) 的 target 用 pred.squeeze(1) 也会出同样的问题。
    """
    # Make the shapes agree first: (N, 1) - (N,) would broadcast to (N, N) and average N² pairs.
    # 先让形状一致：(N, 1) - (N,) 会广播成 (N, N)，对 N² 个配对求平均。
    return nn.MSELoss()(pred.reshape(target.shape), target)


def stable_cross_entropy(logits, targets):
    """Exercise 3: mean cross-entropy written by hand, correct even for huge logits (say ±10000).

    loss_i = logsumexp(logits_i) − logits_i[targets_i]; return the mean over the batch.
    targets are int64 class indices. Do not call F.cross_entropy / nn.CrossEntropyLoss here.
    第 3 小题：手写平均交叉熵，即使 logits 非常大（比如 ±10000）也要正确。
    loss_i = logsumexp(logits_i) − logits_i[targets_i]，返回整批的平均值。targets 是 int64 类别索引。
    这里不要调用 F.cross_entropy / nn.CrossEntropyLoss。
    Hint: torch.logsumexp, gather (or indexing with torch.arange)
    提示：torch.logsumexp、gather（或用 torch.arange 做索引）
    """
    # logsumexp subtracts the row maximum before exp(), so nothing overflows; log(softmax(x))
    # would turn a tiny probability into log(0) = -inf.
    # logsumexp 在 exp() 之前先减去每行的最大值，所以不会溢出；log(softmax(x))
    # 会把极小的概率变成 log(0) = -inf。
    log_normalizer = torch.logsumexp(logits, dim=1)
    picked = logits.gather(1, targets.unsqueeze(1)).squeeze(1)  # logits_i[targets_i]
    # 即 logits_i[targets_i]
    return (log_normalizer - picked).mean()


def hardest_examples(logits, targets, k):
    """Exercise 4: the indices of the k samples with the largest cross-entropy loss, largest first.

    Returns an int64 tensor of shape (k,).
    第 4 小题：返回交叉熵损失最大的 k 个样本的下标（从大到小），形状为 (k,) 的 int64 张量。
    Hint: reduction="none", topk
    提示：reduction="none"、topk
    """
    # reduction="none" keeps one loss per sample instead of averaging them into one number.
    # reduction="none" 为每个样本保留一个损失，而不是把它们平均成一个数。
    losses = F.cross_entropy(logits, targets, reduction="none")
    return losses.topk(k).indices


def masked_token_loss(logits, targets, pad_index):
    """Exercise 5: mean cross-entropy over the real tokens of padded sequences.

    logits: (B, T, C) scores for B sequences of T positions; targets: (B, T) class indices, where
    positions holding pad_index are padding (any class number). Average over the non-padding
    positions only. The logits and targets need not be contiguous in memory.
    第 5 小题：对填充（padding）后的序列，只在真实词元上计算平均交叉熵。
    logits：(B, T, C)，即 B 个序列、每个 T 个位置的分数；targets：(B, T) 类别索引，其中等于 pad_index
    的位置是填充位置（pad_index 可以是任何类别编号）。只对非填充位置求平均。logits 和 targets 在内存中不一定连续。
    Hint: CrossEntropyLoss wants classes on dim 1; ignore_index
    提示：CrossEntropyLoss 要求类别在第 1 维；用 ignore_index 忽略填充位置。
    """
    # CrossEntropyLoss expects (N, C): flatten the batch and time axes together (reshape, not view:
    # view refuses tensors that are not contiguous in memory). ignore_index drops
    # the pads from both the sum and the count, so the mean is over real tokens only.
    # CrossEntropyLoss 要求 (N, C)：把批维和时间维合并展平（用 reshape 而不是 view：
    # view 不接受内存不连续的张量）。ignore_index 把填充（padding）位置从总和与计数中都去掉，
    # 所以平均值只针对真实词元。
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=pad_index)
