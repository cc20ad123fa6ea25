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
    b = a * 2
    # The condition may be read as a Python bool (it only picks the path); the value itself must
    # stay a tensor, or autograd loses track of it.
    # 条件可以当作 Python bool 来读（它只决定走哪条路径）；数值本身必须
    # 保持为张量，否则 autograd 就跟丢了它。
    while b.norm() < limit:
        b = b * 2
    if b.sum() > 0:
        return b
    return 100 * b


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
        # Layers are created once, here: assigned as attributes they are registered, so
        # parameters(), the optimizer and state_dict see them.
        # 层只在这里创建一次：赋给属性后它们就被注册了，所以
        # parameters()、优化器和 state_dict 都能看到它们。
        self.first = nn.Linear(in_features, hidden)
        self.middle = nn.Linear(hidden, hidden)
        self.last = nn.Linear(hidden, out_features)

    def forward(self, x, depth):
        h = torch.relu(self.first(x))
        # A plain Python loop: the graph simply records `middle` as many times as it ran.
        # 普通的 Python 循环：`middle` 运行了几次，计算图就记录几次。
        for _ in range(depth):
            h = torch.relu(self.middle(h))
        return self.last(h)


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
    h = x.new_zeros(x.shape[0], cell.hidden_size)  # new_zeros: x's dtype and device, not float32 on the CPU
    # new_zeros：与 x 的 dtype 和设备相同，而不是 CPU 上的 float32
    for t in range(int(lengths.max())):
        new_h = cell(x[:, t], h)
        # Sequences that already ended keep their state; torch.where builds a new tensor, so the
        # h saved for backward is never overwritten in place.
        # 已经结束的序列保持自己的状态；torch.where 构建新张量，所以
        # 为反向传播保存的 h 永远不会被原地覆盖。
        still_running = (t < lengths).unsqueeze(1)
        h = torch.where(still_running, new_h, h)
    return h


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
    if isinstance(tree, torch.Tensor):
        return torch.tanh(leaf(tree))
    left, right = tree
    # Recursion is just Python: each call adds its own nodes to the graph.
    # 递归就是普通的 Python：每次调用都把自己的节点加进计算图。
    pair = torch.cat([tree_encode(left, leaf, combine), tree_encode(right, leaf, combine)])
    return torch.tanh(combine(pair))


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
    x = (a + 1) / 2
    # Tested before each step (the start may already pass), relative to a (tiny a converge too).
    # 每一步之前先检验（起点可能已经满足条件），而且是相对于 a 的检验（很小的 a 也能收敛）。
    while ((x * x - a).abs() > tol * a).any():
        # A new tensor each step (not x -= ...): the old x is still needed for backward.
        # 每一步都得到新张量（不用 x -= ...）：反向传播还需要旧的 x。
        x = (x + a / x) / 2
    return x
