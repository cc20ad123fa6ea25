"""Kata 11 · MNIST — putting it all together (综合实战).

The whole pipeline on real handwritten digits (a 4,000-image training set and a 1,000-image test
set): a Dataset and DataLoaders, a model, a loss and an optimizer, a training loop, evaluation, and
saving the trained weights. Fill in each exercise below. Run `kata grade mnist` to check your work.

在真实的手写数字上（4,000 张训练图像、1,000 张测试图像）走完整个流程：Dataset 和 DataLoader、
模型、损失函数和优化器、训练循环、评估，以及保存训练好的权重。完成下面的每道小题，然后运行
`kata grade mnist` 检查结果。
"""

import gzip
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

FILES = {
    True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def read_idx(path):
    """Given (not an exercise): read a gzip-compressed IDX file (MNIST's format) into a uint8 array.

    Images come back as (count, 28, 28), labels as (count,).
    已给出（不是小题）：把 gzip 压缩的 IDX 文件（MNIST 的格式）读成 uint8 数组。
    图像返回形状 (count, 28, 28)，标签返回 (count,)。
    """
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]  # the 4th byte of the magic number: 3 for images, 1 for labels
    # 魔数的第 4 个字节：图像为 3，标签为 1
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class MnistDataset(Dataset):
    """Exercise 1: the MNIST subset in `root` as a Dataset (train=True: 4,000 images, else 1,000).

    dataset[i] is (image, label): image a float32 tensor of shape (1, 28, 28) with values in [0, 1],
    label an int64 class index (0-9). Read the files once, in __init__, with read_idx and FILES.
    第 1 小题：把 `root` 中的 MNIST 子集做成 Dataset（train=True 时 4,000 张，否则 1,000 张）。
    dataset[i] 是 (image, label)：image 是形状 (1, 28, 28)、取值在 [0, 1] 的 float32 张量，
    label 是 int64 类别编号（0-9）。在 __init__ 中用 read_idx 和 FILES 只读一次文件。
    """

    def __init__(self, root, train=True):
        raise NotImplementedError("exercise 1: MnistDataset")

    def __len__(self):
        raise NotImplementedError("exercise 1: MnistDataset")

    def __getitem__(self, index):
        raise NotImplementedError("exercise 1: MnistDataset")


def make_loaders(root, batch_size=64, seed=0):
    """Exercise 2: return (train_loader, test_loader) over MnistDataset(root, True / False).

    The training loader shuffles, reproducibly: the same seed gives the same order of batches
    (use a torch.Generator seeded with `seed`). The test loader keeps the dataset's order.
    第 2 小题：返回基于 MnistDataset(root, True / False) 的 (train_loader, test_loader)。
    训练集 loader 要打乱顺序，并且可复现：相同的 seed 给出相同的批次顺序（使用以 `seed` 为种子
    的 torch.Generator）。测试集 loader 保持数据集原有顺序。
    """
    raise NotImplementedError("exercise 2: make_loaders")


def build_model():
    """Exercise 3: a fresh, untrained classifier: images (N, 1, 28, 28) in [0, 1] -> logits (N, 10).

    Return raw scores (logits), not probabilities: CrossEntropyLoss applies log-softmax itself.
    Any architecture will do if it trains well enough within the time limit: a small MLP, or the
    README's CNN (nn.Conv2d + nn.MaxPool2d, twice) for about 97%.
    第 3 小题：一个新的、未训练的分类器：图像 (N, 1, 28, 28)（取值在 [0, 1]）-> logits (N, 10)。
    返回原始分数（logits），而不是概率：CrossEntropyLoss 自己会做 log-softmax。
    只要能在时限内训练得足够好，任何结构都可以：小型 MLP，或 README 中的 CNN（两次 nn.Conv2d + nn.MaxPool2d），
    后者约 97%。
    """
    raise NotImplementedError("exercise 3: build_model")


def train_model(model, loader, epochs=5, lr=1e-3):
    """Exercise 4: train `model` on `loader` for `epochs` epochs; return each epoch's mean loss.

    Use nn.CrossEntropyLoss on the logits and any optimizer, with the learning rate `lr` (Adam with
    the default 1e-3 works well; plain SGD wants about 0.1). Every batch of every epoch counts.
    Put the model in training mode first. Returns a list of `epochs` Python floats.
    第 4 小题：在 `loader` 上训练 `model` `epochs` 轮；返回每一轮的平均损失。
    对 logits 使用 nn.CrossEntropyLoss，优化器任选，学习率用 `lr`（Adam 配合默认的 1e-3 效果很好；
    普通 SGD 需要约 0.1）。每一轮的每个批次都要训练。先把模型切换到训练模式。返回包含 `epochs` 个
    Python float 的列表。
    """
    raise NotImplementedError("exercise 4: train_model")


def evaluate(model, loader):
    """Exercise 5: the accuracy of `model` on `loader`: the fraction (0.0 to 1.0) of images whose
    largest logit is the true label, as a Python float.

    Evaluate in eval mode and without building autograd graphs.
    第 5 小题：`model` 在 `loader` 上的准确率：最大 logit 等于真实标签的图像所占的比例（0.0 到
    1.0），返回 Python float。
    在评估模式下、且不构建 autograd 计算图地进行评估。
    """
    raise NotImplementedError("exercise 5: evaluate")


def run(root, weights_path, seed=0):
    """Exercise 6: the whole pipeline. Seed everything with `seed`, make the loaders, build a model
    with build_model() and train it with train_model() on the training loader only (never on the
    test images), save its state_dict to `weights_path`, and return its test accuracy.

    第 6 小题：完整流程。用 `seed` 设置所有随机种子，创建 loader，用 build_model() 构建模型并用
    train_model() 只在训练集 loader 上训练（绝不用测试图像训练），把它的 state_dict 保存到
    `weights_path`，并返回它在测试集上的准确率。
    """
    raise NotImplementedError("exercise 6: run")
