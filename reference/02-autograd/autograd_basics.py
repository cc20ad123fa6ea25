"""Kata 2 · Autograd — 自动求导.

Fill in each function below. Run `kata grade autograd` to check your work.
完成下面的每个函数，然后运行 `kata grade autograd` 检查结果。
"""

import torch


def gradient(f, x):
    """Exercise 1: the gradient of the scalar function f at the point x, as a new tensor.

    f takes a tensor shaped like x and returns a scalar tensor, e.g. `lambda t: (t ** 2).sum()`.
    x may or may not require grad: leave x itself untouched (its values, requires_grad and .grad).
    第 1 小题：返回标量函数 f 在点 x 处的梯度（一个新张量）。
    f 接收一个与 x 形状相同的张量并返回标量张量。x 可能需要梯度（requires_grad），也可能不需要：
    不要改动调用者的 x（它的值、requires_grad 和 .grad 都保持原样）。
    Hint: detach, clone, requires_grad_, backward, .grad
    提示：detach、clone、requires_grad_、backward、.grad
    """
    # A private leaf: detach() cuts it off from any graph x belongs to, clone() gives it its own
    # memory, so neither backward() nor requires_grad_() can reach the caller's tensor.
    # 新建一个只属于这里的叶子张量：detach() 把它从 x 所在的计算图上切下来，clone() 给它独立的内存，
    # 所以 backward() 和 requires_grad_() 都碰不到调用者的张量。
    point = x.detach().clone().requires_grad_(True)
    f(point).backward()  # backward() starts from a scalar and fills the leaf's .grad
    # backward() 从标量出发，把梯度写进叶子张量的 .grad
    return point.grad


def per_batch_gradients(loss_fn, w, batches):
    """Exercise 2: a list with the gradient of loss_fn(w, batch) w.r.t. w for each batch, separately.

    w is a leaf that requires grad (think: a model parameter); its .grad may already hold an old
    gradient when you get it. Entry i must be the gradient of batch i alone.
    第 2 小题：对每个批次分别计算 loss_fn(w, batch) 关于 w 的梯度，返回这些梯度组成的列表。
    w 是 requires_grad 的叶子张量（就像模型参数），传进来时它的 .grad 可能已经存着旧梯度。
    第 i 项必须只是第 i 个批次的梯度。
    Careful: backward() adds into .grad — it does not overwrite it.
    注意：backward() 会把梯度累加到 .grad 上，而不是覆盖它。
    """
    grads = []
    for batch in batches:
        # backward() accumulates into .grad, so clear it first. Setting None (rather than zero_())
        # also means the tensor stored last round is never overwritten in place.
        # backward() 会把梯度累加进 .grad，所以要先清空。设为 None（而不是 zero_()）还意味着
        # 上一轮保存的张量永远不会被原地覆盖。
        w.grad = None
        loss_fn(w, batch).backward()
        grads.append(w.grad)
    return grads


def gradient_descent(f, x0, lr, steps):
    """Exercise 3: minimise the scalar function f by plain gradient descent from x0.

    Repeat `steps` times: x ← x − lr · ∇f(x). Return the final x as a tensor that does not require
    grad. Do not change x0.
    第 3 小题：从 x0 出发，用最朴素的梯度下降最小化标量函数 f。
    重复 steps 次：x ← x − lr · ∇f(x)。返回最终的 x（一个不需要梯度的张量），不要修改 x0。
    Hint: a new forward pass (a new graph) every step; clear .grad; update under torch.no_grad()
    提示：每一步都重新做一次前向计算（新建计算图）；清空 .grad；在 torch.no_grad() 下更新。
    """
    x = x0.detach().clone().requires_grad_(True)
    for _ in range(steps):
        loss = f(x)  # the graph is built anew on every forward pass, at the current x
        # 每次前向计算都会在当前的 x 处重新建图
        x.grad = None  # otherwise this step's gradient is added to the last one's
        # 否则这一步的梯度会加到上一步的梯度上
        loss.backward()
        with torch.no_grad():  # the update itself must not be recorded (and x must stay a leaf)
        # 更新本身不能被记录（x 也必须保持为叶子张量）
            x -= lr * x.grad
    return x.detach()


def predict(model, x):
    """Exercise 4: run model on x for inference: no graph recorded, output does not require grad.

    Afterwards gradient tracking is as it was before the call (the caller may already be inside
    its own torch.no_grad()).
    第 4 小题：用 model 对 x 做推理：不记录计算图，输出不需要梯度。
    返回后梯度跟踪恢复到调用前的状态（调用者可能本来就在自己的 torch.no_grad() 之中）。
    Hint: torch.no_grad()
    提示：torch.no_grad()
    """
    # Under no_grad the forward pass records nothing, which saves memory and time, and leaving the
    # block restores whatever mode the caller had. Computing with grad and calling .detach()
    # afterwards would still build (and waste) the graph.
    # 在 no_grad 下前向计算什么都不记录，省内存也省时间；离开这个块时会恢复调用者原来的模式。
    # 先带着梯度计算、事后再调用 .detach()，仍然会构建（并浪费）整张计算图。
    with torch.no_grad():
        return model(x)


def to_numpy(t):
    """Exercise 5: a NumPy array with the values, shape and dtype of t (t may require grad, may be on a GPU).

    Any dtype (float32, float64, int64, ...) and any shape; leave t itself as it was.
    第 5 小题：返回一个 NumPy 数组，其值、形状和 dtype 与 t 相同（t 可能 requires_grad，也可能在 GPU 上）。
    dtype 任意（float32、float64、int64……），形状任意；t 本身保持原样。
    Hint: detach, cpu, numpy
    提示：detach、cpu、numpy
    """
    # numpy() refuses a tensor that requires grad (NumPy cannot track gradients) and a GPU tensor.
    # numpy() 不接受需要梯度的张量（NumPy 无法跟踪梯度），也不接受 GPU 上的张量。
    return t.detach().cpu().numpy()
