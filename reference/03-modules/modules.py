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
    第 1 小题：根据层大小列表构建多层感知机。
    MLP([4, 16, 8, 3]) 有三个 nn.Linear 层（4→16→8→3），除最后一层外每层后面接 ReLU（输出保持原始值）。
    层数任意：共 len(sizes) - 1 层。优化器必须看到所有权重：model.parameters() 要列出它们全部。
    Hint: nn.ModuleList or nn.Sequential, not a plain Python list
    提示：用 nn.ModuleList 或 nn.Sequential，而不是普通的 Python 列表
    """

    def __init__(self, sizes):
        super().__init__()
        # ModuleList registers each layer as a submodule; a plain list would hide them from
        # parameters(), .to(), state_dict() and the optimizer.
        # ModuleList 把每一层注册为子模块；放在普通列表里，parameters()、.to()、state_dict()
        # 和优化器就都看不到这些层。
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)  # call the module, not layer.forward(x): __call__ runs the hooks
            # 调用模块本身，而不是 layer.forward(x)：__call__ 才会运行钩子（hook）
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return x


class RunningCenter(nn.Module):
    """Exercise 2: subtract the mean of each feature, remembering a running mean for evaluation.

    Keep `running_mean` (shape (num_features,), starting at zeros) as a **buffer**: saved in
    state_dict() and moved by .to(), but not a parameter (the optimizer must not train it).
    In training mode: return x - x.mean(dim=0) and update
        running_mean ← (1 − momentum) · running_mean + momentum · x.mean(dim=0)
    (the buffer must not require grad afterwards). In eval mode: return x - running_mean and
    leave running_mean unchanged.
    第 2 小题：减去每个特征的均值，并为评估阶段记住一个滑动均值。
    `running_mean`（形状 (num_features,)，初始为 0）要注册为 buffer（缓冲区）：会保存进 state_dict()、会随 .to()
    移动，但不是参数（优化器不能训练它）。
    训练模式下：返回 x - x.mean(dim=0)，并按上式更新 running_mean（更新后它不能 requires_grad）。
    评估模式下：返回 x - running_mean，不改变 running_mean。
    The output keeps its gradient through the batch mean too: detach only what goes into the buffer.
    输出对批均值的梯度也要保留：只对写进 buffer 的那份数值做 detach。
    Hint: register_buffer, self.training, update the buffer under torch.no_grad()
    提示：register_buffer、self.training，在 torch.no_grad() 下更新 buffer
    """

    def __init__(self, num_features, momentum=0.1):
        super().__init__()
        self.momentum = momentum
        # A buffer: state that belongs to the module (saved, moved, cast) but is not trained.
        # buffer（缓冲区）：属于模块的状态（会被保存、移动、转换类型），但不参与训练。
        self.register_buffer("running_mean", torch.zeros(num_features))

    def forward(self, x):
        if self.training:  # set by model.train() / model.eval(), for this module and all children
        # 由 model.train() / model.eval() 设置，作用于本模块及其所有子模块
            mean = x.mean(dim=0)
            with torch.no_grad():  # bookkeeping, not part of the graph: the buffer stays grad-free
            # 这只是记录统计量，不属于计算图：buffer 保持不需要梯度
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
            return x - mean
        return x - self.running_mean


class Classifier(nn.Module):
    """Exercise 3: a model made of two submodules, applied in order.

    self.center = RunningCenter(in_features), then self.mlp = MLP([in_features, hidden, num_classes]).
    forward(x) = mlp(center(x)). Use exactly these attribute names.
    第 3 小题：由两个子模块依次组成的模型。
    self.center = RunningCenter(in_features)，然后 self.mlp = MLP([in_features, hidden, num_classes])。
    forward(x) = mlp(center(x))。请严格使用这两个属性名。
    """

    def __init__(self, in_features, hidden, num_classes):
        super().__init__()
        # Assigning a Module to an attribute registers it: its parameters appear as "mlp.…",
        # its buffer as "center.running_mean", and train()/eval() reach it.
        # 把 Module 赋给属性就会注册它：它的参数名以 mlp. 开头，它的 buffer 名为 center.running_mean，
        # train()/eval() 也会传到它。
        self.center = RunningCenter(in_features)
        self.mlp = MLP([in_features, hidden, num_classes])

    def forward(self, x):
        return self.mlp(self.center(x))  # calling the submodules runs their hooks too
        # 调用子模块本身，它们的钩子也会运行


def count_parameters(model):
    """Exercise 4: the number of trainable numbers in model, as a Python int.

    Count the elements of every parameter that requires grad, each shared parameter only once.
    Buffers (such as BatchNorm's running statistics) and frozen parameters do not count.
    第 4 小题：返回 model 中可训练数值的个数（Python int）。
    统计每个 requires_grad 参数的元素个数，被共享的参数只算一次。buffer（例如 BatchNorm 的滑动统计量）
    和被冻结的参数都不算。
    Hint: model.parameters(), p.numel(), p.requires_grad
    提示：model.parameters()、p.numel()、p.requires_grad
    """
    # parameters() walks every submodule, lists each shared parameter once, and skips buffers.
    # parameters() 会遍历每个子模块，共享参数只列一次，并跳过 buffer。
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    """Exercise 5: the output length of nn.Conv2d or nn.MaxPool2d along one axis, as a Python int.

        out = ⌊(size + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1
    (the formula in the nn.Conv2d documentation). A window that does not fit at the end is dropped.
    第 5 小题：nn.Conv2d 或 nn.MaxPool2d 沿一个轴的输出长度（Python int），公式见上（来自 nn.Conv2d 的文档）。
    末尾放不下的窗口会被丢弃（向下取整）。
    Hint: // is floor division on ints
    提示：// 是整数的向下取整除法
    """
    # Integer floor division drops the last, incomplete window, exactly as the layers do.
    # 整数的向下取整除法会丢掉最后那个不完整的窗口，与这些层的做法完全一致。
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


class SmallCNN(nn.Module):
    """Exercise 6: a small convolutional network for (N, 1, in_size, in_size) images -> (N, num_classes).

    With (c1, c2) = channels, in this order:
        nn.Conv2d(1, c1, kernel_size=3) → ReLU → nn.MaxPool2d(2)
        → nn.Conv2d(c1, c2, kernel_size=3) → ReLU → nn.MaxPool2d(2)
        → flatten each image (keep the batch axis) → nn.Linear(c2 · side · side, num_classes)
    where side is the height (= width) after the second pooling: compute it in __init__ with
    conv_output_size, once per convolution and once per pooling. Inputs are channels-first. The model
    is built for in_size: an image of another size (e.g. 32×32 into SmallCNN(in_size=28)) raises.
    第 6 小题：一个小型卷积网络：(N, 1, in_size, in_size) 的图像 -> (N, num_classes)。
    设 (c1, c2) = channels，依次为：
        nn.Conv2d(1, c1, kernel_size=3) → ReLU → nn.MaxPool2d(2)
        → nn.Conv2d(c1, c2, kernel_size=3) → ReLU → nn.MaxPool2d(2)
        → 把每张图像展平（保留批维）→ nn.Linear(c2 · side · side, num_classes)
    其中 side 是第二次池化后的高（= 宽）：在 __init__ 中用 conv_output_size 计算，每个卷积、每个池化各算一次。
    输入是通道在前（channels-first）的布局。模型是为 in_size 构建的：其他尺寸的图像（例如把 32×32 的图像
    送进 SmallCNN(in_size=28)）会报错。
    Hint: nn.Flatten() or x.flatten(1), not x.view(-1)
    提示：用 nn.Flatten() 或 x.flatten(1)，不要用 x.view(-1)
    """

    def __init__(self, in_size=28, channels=(8, 16), num_classes=10):
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        )
        side = in_size
        for kernel, stride in ((3, 1), (2, 2), (3, 1), (2, 2)):  # conv, pool, conv, pool: each one shrinks
        # 卷积、池化、卷积、池化：每一步都让边长变小
            side = conv_output_size(side, kernel, stride)
        # nn.Flatten keeps the batch axis (start_dim=1); view(-1) would merge the whole batch into one row.
        # nn.Flatten 保留批维（start_dim=1）；view(-1) 会把整个批次合成一行。
        self.flatten = nn.Flatten()
        self.classifier = nn.Linear(c2 * side * side, num_classes)

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))
