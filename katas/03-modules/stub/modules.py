"""Kata 3 · Modules — nn.Module 模块.

Fill in each class and function below. Run `kata grade modules` to check your work.
完成下面的每个类和函数，然后运行 `kata grade modules` 检查结果。
"""

import torch
from torch import nn


class MLP(nn.Module):
    """Exercise 1: a multi-layer perceptron built from a list of layer sizes.

    MLP([4, 16, 8, 3]) has three nn.Linear layers, 4→16→8→3, with a ReLU after every layer except
    the last (the output stays raw). Any number of layers: len(sizes) - 1 of them.
    The optimizer must see every weight: model.parameters() has to list them all.
    练习 1：根据层大小列表构建多层感知机。
    MLP([4, 16, 8, 3]) 有三个 nn.Linear 层（4→16→8→3），除最后一层外每层后面接 ReLU（输出保持原始值）。
    层数任意：共 len(sizes) - 1 层。优化器必须看到所有权重：model.parameters() 要列出它们全部。
    Hint/提示: nn.ModuleList or nn.Sequential, not a plain Python list
    """

    def __init__(self, sizes):
        raise NotImplementedError("exercise 1: MLP")

    def forward(self, x):
        raise NotImplementedError("exercise 1: MLP")


class RunningCenter(nn.Module):
    """Exercise 2: subtract the mean of each feature, remembering a running mean for evaluation.

    Keep `running_mean` (shape (num_features,), starting at zeros) as a **buffer**: saved in
    state_dict() and moved by .to(), but not a parameter (the optimizer must not train it).
    In training mode: return x - x.mean(dim=0) and update
        running_mean ← (1 − momentum) · running_mean + momentum · x.mean(dim=0)
    (the buffer must not require grad afterwards). In eval mode: return x - running_mean and
    leave running_mean unchanged.
    练习 2：减去每个特征的均值，并为评估阶段记住一个滑动均值。
    `running_mean`（形状 (num_features,)，初始为 0）要注册为 **buffer**：会保存进 state_dict()、会随 .to()
    移动，但不是参数（优化器不能训练它）。
    训练模式下：返回 x - x.mean(dim=0)，并按上式更新 running_mean（更新后它不能 requires_grad）。
    评估模式下：返回 x - running_mean，不改变 running_mean。
    Hint/提示: register_buffer, self.training, torch.no_grad() or detach()
    """

    def __init__(self, num_features, momentum=0.1):
        raise NotImplementedError("exercise 2: RunningCenter")

    def forward(self, x):
        raise NotImplementedError("exercise 2: RunningCenter")


class Classifier(nn.Module):
    """Exercise 3: a model made of two submodules, applied in order.

    self.center = RunningCenter(in_features), then self.mlp = MLP([in_features, hidden, num_classes]).
    forward(x) = mlp(center(x)). Use exactly these attribute names.
    练习 3：由两个子模块依次组成的模型。
    self.center = RunningCenter(in_features)，然后 self.mlp = MLP([in_features, hidden, num_classes])。
    forward(x) = mlp(center(x))。请严格使用这两个属性名。
    """

    def __init__(self, in_features, hidden, num_classes):
        raise NotImplementedError("exercise 3: Classifier")

    def forward(self, x):
        raise NotImplementedError("exercise 3: Classifier")


def count_parameters(model):
    """Exercise 4: the number of trainable numbers in model, as a Python int.

    Count the elements of every parameter that requires grad, each shared parameter only once.
    Buffers (such as BatchNorm's running statistics) and frozen parameters do not count.
    练习 4：返回 model 中可训练数值的个数（Python int）。
    统计每个 requires_grad 参数的元素个数，被共享的参数只算一次。buffer（例如 BatchNorm 的滑动统计量）
    和被冻结的参数都不算。
    Hint/提示: model.parameters(), p.numel(), p.requires_grad
    """
    raise NotImplementedError("exercise 4: count_parameters")
