"""Kata 10 · Dynamic graphs — 动态计算图.

PyTorch builds the autograd graph while your Python code runs, so `if`, `while`, `for` and recursion
may depend on the data, and the graph can be different on every call. Gradients still flow through
whatever path was taken, as long as every step stays a tensor operation.
Fill in each function below. Run `kata grade dynamic-graphs` to check your work.

PyTorch 在 Python 代码运行时构建 autograd 计算图，因此 `if`、`while`、`for` 和递归都可以依赖于
数据，每次调用的计算图都可以不同。只要每一步都是张量运算，梯度就会沿实际走过的路径反向传播。
完成下面的每个函数，然后运行 `kata grade dynamic-graphs` 检查结果。
"""

import torch
from torch import nn


def grow_until(a, limit=1000.0):
    """Exercise 1: data-dependent `while` and `if` (the classic d2l example).

    b = a * 2; while the norm of b is below `limit`, double b; then return b if the sum of b is
    positive, else 100 * b. Gradients must flow back to `a` (so a.grad == result / a).
    第 1 小题：依赖数据的 `while` 和 `if`（d2l 的经典例子）。
    b = a * 2；当 b 的范数小于 `limit` 时不断把 b 翻倍；然后若 b 的和为正则返回 b，否则返回
    100 * b。梯度必须能传回 `a`（因此 a.grad == 结果 / a）。
    """
    raise NotImplementedError("exercise 1: grow_until")


class RepeatNet(nn.Module):
    """Exercise 2: one hidden layer reused `depth` times, where `depth` may change on every call.

    Layers: `self.first = nn.Linear(in_features, hidden)`, `self.middle = nn.Linear(hidden, hidden)`,
    `self.last = nn.Linear(hidden, out_features)`. forward(x, depth):
    h = relu(first(x)); then `depth` times h = relu(middle(h)); return last(h).
    The same `middle` weights are used at every repetition (they get the sum of the gradients).
    第 2 小题：一个隐藏层被重复使用 `depth` 次，`depth` 每次调用都可以不同。
    层：`self.first`、`self.middle`、`self.last`（如上）。forward(x, depth)：
    h = relu(first(x))；然后重复 `depth` 次 h = relu(middle(h))；返回 last(h)。
    每次重复都使用同一个 `middle` 的权重（它得到所有梯度之和）。
    """

    def __init__(self, in_features, hidden, out_features):
        super().__init__()
        raise NotImplementedError("exercise 2: RepeatNet")

    def forward(self, x, depth):
        raise NotImplementedError("exercise 2: RepeatNet")


def rnn_last_hidden(cell, x, lengths):
    """Exercise 3: run an RNN cell over padded sequences of different lengths.

    cell: e.g. nn.RNNCell(input_size, hidden_size): cell(x_t, h) -> the next h, shape (batch, hidden).
    x: (batch, max_len, input_size), padded after each sequence's end; lengths: (batch,) int64, each
    between 1 and max_len. Start from h = zeros (batch, cell.hidden_size) with x's dtype and device,
    and return each sequence's hidden state after its own last real step: (batch, hidden). Padding
    must not change the result, and x is left unchanged.
    第 3 小题：在长度不同、经过填充（padding）的序列上运行 RNN 单元。
    cell：例如 nn.RNNCell(input_size, hidden_size)：cell(x_t, h) 返回下一个 h，形状 (batch, hidden)。
    x：(batch, max_len, input_size)，每个序列结束后是填充值；lengths：(batch,) int64，取值在 1 到
    max_len 之间。从全零的 h (batch, cell.hidden_size)（dtype 和设备与 x 相同）开始，返回每个序列在它
    自己最后一个真实时间步之后的隐藏状态：(batch, hidden)。填充值不能影响结果，x 保持不变。
    """
    raise NotImplementedError("exercise 3: rnn_last_hidden")


def tree_encode(tree, leaf, combine):
    """Exercise 4: encode a binary tree recursively; the graph follows the tree's shape.

    tree: either a tensor (a leaf, shape (features,)) or a tuple (left, right) of trees.
    A leaf encodes to tanh(leaf(x)); a pair encodes to tanh(combine(cat([enc(left), enc(right)]))).
    leaf: (features,) -> (hidden,); combine: (2 * hidden,) -> (hidden,). Returns (hidden,).
    第 4 小题：递归地编码一棵二叉树；计算图随树的形状而变化。
    tree：要么是张量（叶子，形状 (features,)），要么是由两棵树组成的元组 (left, right)。
    叶子编码为 tanh(leaf(x))；二元组编码为 tanh(combine(cat([enc(left), enc(right)])))。
    leaf：(features,) -> (hidden,)；combine：(2 * hidden,) -> (hidden,)。返回 (hidden,)。
    """
    raise NotImplementedError("exercise 4: tree_encode")


def newton_sqrt(a, tol=1e-6):
    """Exercise 5: square roots by Newton's method, iterating until the data says it converged.

    a: a tensor of positive numbers. Start from x = (a + 1) / 2 and repeat x = (x + a / x) / 2
    while any |x * x - a| > tol * a (tested before each step: the start may already pass; the
    test is relative, so tiny a converge too). Return x. The number of steps depends on `a`;
    gradients must flow through all of them (d x / d a ≈ 1 / (2 sqrt(a))).
    第 5 小题：用牛顿法求平方根，迭代到数据表明已经收敛为止。
    a：由正数组成的张量。从 x = (a + 1) / 2 开始，只要有任何 |x * x - a| > tol * a 就重复
    x = (x + a / x) / 2（每一步之前先检验：起点可能已经满足条件；这是相对检验，很小的 a 也能收敛）。
    返回 x。迭代次数取决于 `a`；梯度必须流过每一步（d x / d a ≈ 1 / (2 sqrt(a))）。
    """
    raise NotImplementedError("exercise 5: newton_sqrt")
