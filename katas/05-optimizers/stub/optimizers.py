"""Kata 5 · Optimizers — 优化器.

Fill in each function below. Run `kata grade optimizers` to check your work.
完成下面的每个函数，然后运行 `kata grade optimizers` 检查结果。
"""

import torch


def make_optimizer(model, name, lr):
    """Exercise 1: an optimizer over all of the model's parameters.

    name "sgd"  -> torch.optim.SGD with learning rate lr and momentum 0.9
    name "adam" -> torch.optim.Adam with learning rate lr (its other settings at their defaults)
    第 1 小题：为模型的全部参数创建优化器。
    name 为 "sgd" 时返回学习率为 lr、动量（momentum）为 0.9 的 torch.optim.SGD；
    name 为 "adam" 时返回学习率为 lr 的 torch.optim.Adam（其余设置保持默认）。
    """
    raise NotImplementedError("exercise 1: make_optimizer")


def train_step(model, optimizer, loss_fn, x, y):
    """Exercise 2: one training step on the batch (x, y); return the loss as a Python float.

    The parameters may still hold gradients from earlier work: clear them first, then compute the
    loss loss_fn(model(x), y), backpropagate, and let the optimizer update the parameters.
    第 2 小题：在批次 (x, y) 上执行一步训练，并以 Python float 返回损失值。
    参数上可能还留着之前计算的梯度：先清零，再计算损失 loss_fn(model(x), y)、反向传播，
    最后让优化器更新参数。
    """
    raise NotImplementedError("exercise 2: train_step")


def finetune_optimizer(model, lr):
    """Exercise 3: SGD (momentum 0.9) with two parameter groups for fine-tuning.

    model has two parts, model.body and model.head. The body's parameters learn with lr,
    the head's parameters with 10 * lr. Every parameter must be in exactly one group.
    第 3 小题：为微调创建带两个参数组（parameter group）的 SGD（动量 0.9）。
    模型分为 model.body 和 model.head 两部分：body 的参数使用学习率 lr，
    head 的参数使用 10 * lr。每个参数必须恰好属于一个参数组。
    """
    raise NotImplementedError("exercise 3: finetune_optimizer")


def scale_lr(optimizer, factor):
    """Exercise 4: multiply the learning rate of every parameter group by factor, in place.

    Nothing is returned; the optimizer's next step() must use the new learning rates.
    第 4 小题：把优化器中每个参数组的学习率都乘以 factor（原地修改）。
    不需要返回值；优化器下一次 step() 就要使用新的学习率。
    """
    raise NotImplementedError("exercise 4: scale_lr")


def sgd_momentum_update(params, velocities, lr, momentum):
    """Exercise 5: one SGD-with-momentum update by hand, like optimizer.step() then zero_grad().

    params: a list of leaf tensors (requires_grad=True) whose .grad has been filled by backward().
    velocities: a list of tensors shaped like params (all zeros before the first update); update
    each of them in place (the list keeps the same tensor objects), so the next call continues from them.
    For every parameter p with velocity v and gradient g:  v = momentum * v + g,  then  p = p - lr * v.
    Change p in place (the same tensor object), without autograd recording it, and afterwards clear
    p.grad (set it to None or to zeros). Many calls in a row must match torch.optim.SGD(momentum=...).
    第 5 小题：手写一次带动量的 SGD 更新，效果等同于 optimizer.step() 之后再 zero_grad()。
    params：叶子张量（requires_grad=True）的列表，其 .grad 已由 backward() 填好。
    velocities：与 params 形状相同的张量列表（第一次更新前全为零）；请原地更新其中每个张量
    （列表里仍是原来的张量对象），使下一次调用能接着使用。对每个参数 p（速度 v、梯度 g）：v = momentum * v + g，然后 p = p - lr * v。
    要原地修改 p（同一个张量对象），且不能让 autograd 记录这次修改；最后清空 p.grad
    （设为 None 或清零）。连续多次调用的结果必须与 torch.optim.SGD(momentum=...) 一致。
    """
    raise NotImplementedError("exercise 5: sgd_momentum_update")
