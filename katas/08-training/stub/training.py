"""Kata 8 · Training loop — 训练循环.

Every PyTorch training loop repeats five steps per batch: forward, loss, backward, step, zero_grad.
Around them: model.train() while learning, model.eval() and torch.no_grad() while measuring, plain
Python numbers for the bookkeeping, and a real copy of the best weights seen so far.
Run `kata grade training` to check your work.

每个 PyTorch 训练循环对每个批次都重复五个步骤：前向传播、计算损失、反向传播、更新参数（step）、
清零梯度（zero_grad）。围绕这五步的是：学习时用 model.train()，评估时用 model.eval() 和
torch.no_grad()，记录数值时用普通的 Python 数字，并保存迄今最佳权重的真正副本。
完成下面的每个函数，然后运行 `kata grade training` 检查结果。
"""

import copy

import torch


def train_step(model, x, y, loss_fn, optimizer):
    """Exercise 1: one optimisation step on one batch (x, y); return the loss as a Python float.

    The five steps: forward (model(x)), loss (loss_fn(output, y)), backward, optimizer.step(),
    optimizer.zero_grad() (zero_grad may also come first: what matters is that each step only uses
    this batch's gradients).

    第 1 小题：在一个批次 (x, y) 上做一步优化，并以 Python float 返回损失。
    五个步骤：前向传播（model(x)）、计算损失（loss_fn(output, y)）、反向传播（backward）、
    optimizer.step()、optimizer.zero_grad()（zero_grad 也可以放在最前面：关键是每一步只使用本批次的梯度）。
    """
    raise NotImplementedError("exercise 1: train_step")


def train_one_epoch(model, loader, loss_fn, optimizer, device="cpu"):
    """Exercise 2: train for one pass over `loader`; return the mean of the batch losses (a float).

    Each batch's loss counts once, even when the last batch is smaller.

    Put the model in training mode first (model.train()), move each batch (x, y) to `device`
    (where the model already is), and run train_step on it.

    第 2 小题：在 `loader` 上训练一轮（遍历一遍），返回各批次损失的平均值（float）。
    每个批次的损失只算一次，即使最后一个批次较小。
    先把模型切换到训练模式（model.train()），把每个批次 (x, y) 移到 `device`（模型已经在那里），
    然后对它执行 train_step。
    """
    raise NotImplementedError("exercise 2: train_one_epoch")


def evaluate(model, loader, loss_fn, device="cpu"):
    """Exercise 3: measure the model on `loader`; return (mean loss per sample, accuracy) as floats.

    Use model.eval() (dropout off) and torch.no_grad() (no graph, no gradients), and move each batch
    to `device`. The mean loss is over all samples (a smaller last batch weighs less), and so is the
    accuracy: the fraction of samples whose highest-scoring class (argmax over dim 1) equals the
    label, in [0, 1].

    第 3 小题：在 `loader` 上评估模型，以 float 返回（每个样本的平均损失, 准确率）。
    使用 model.eval()（关闭 dropout）和 torch.no_grad()（不建计算图、不算梯度），并把每个批次移到
    `device`。平均损失针对全部样本（较小的最后一个批次分量较轻），准确率也一样：得分最高的类别
    （在第 1 维上取 argmax）等于标签的样本所占的比例，取值在 [0, 1]。
    """
    raise NotImplementedError("exercise 3: evaluate")


def snapshot(model):
    """Exercise 4: a copy of model.state_dict() that later training cannot change.

    model.state_dict() holds references to the live parameter tensors: when the model trains, they
    change too. Return a copy that model.load_state_dict() can restore later.

    第 4 小题：返回 model.state_dict() 的一个副本，之后的训练不能改变它。
    model.state_dict() 保存的是对正在使用的参数张量的引用：模型一训练，它们也跟着变。请返回一个
    之后能用 model.load_state_dict() 恢复的副本。
    """
    raise NotImplementedError("exercise 4: snapshot")


def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs, device="cpu"):
    """Exercise 5: train for `epochs` epochs, keep the best weights, return the history.

    After each epoch: train_one_epoch, then evaluate on val_loader (both with `device`), and append
    {"train_loss": ..., "val_loss": ..., "val_acc": ...} (floats) to the history list. The best
    epoch is the one with the lowest val_loss, not the highest val_acc (the first one on a tie). At
    the end, load the best epoch's weights back into the model and return the history.

    第 5 小题：训练 `epochs` 轮，保留最佳权重，并返回训练历史。
    每轮之后：先 train_one_epoch，再在 val_loader 上 evaluate（两者都传入 `device`），然后把
    {"train_loss": ..., "val_loss": ..., "val_acc": ...}（都是 float）追加到历史列表中。
    val_loss 最低的那一轮是最佳轮，而不是 val_acc 最高的一轮（并列时取最早的一轮）。最后把最佳轮的权重
    加载回模型，并返回历史。
    """
    raise NotImplementedError("exercise 5: fit")
