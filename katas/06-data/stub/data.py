"""Kata 6 · Data — 数据集与数据加载.

Fill in each function and class below. Run `kata grade data` to check your work.
The data is a real 5,000-image subset of MNIST in MNIST's own IDX format (gzip-compressed):
<root>/train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz (4000 images) and
<root>/t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (1000 images).
完成下面的每个函数和类，然后运行 `kata grade data` 检查结果。
数据是 MNIST 的真实子集（5000 张图像），采用 MNIST 自己的 IDX 格式（gzip 压缩）：
train-* 文件含 4000 张训练图像，t10k-* 文件含 1000 张测试图像。
"""

import gzip
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info


def read_idx(path):
    """Exercise 1: read one gzip-compressed IDX file into a uint8 tensor shaped as its header says.

    IDX layout (after gunzip): 2 zero bytes, 1 byte data type (0x08 = uint8), 1 byte ndim, then
    ndim sizes as big-endian 4-byte integers, then the values (uint8, row-major).
    MNIST's image files are 3-D (count, 28, 28), its label files 1-D (count,); read any ndim.
    第 1 小题：读取一个 gzip 压缩的 IDX 文件，返回形状与文件头一致的 uint8 张量。
    IDX 格式（解压后）：2 个零字节、1 个字节的数据类型（0x08 表示 uint8）、1 个字节的维数 ndim，
    然后是 ndim 个大端序 4 字节整数表示各维大小，最后是按行优先顺序存放的 uint8 数值。
    MNIST 的图像文件是三维 (count, 28, 28)，标签文件是一维 (count,)；要支持任意维数。
    Hint: gzip.open(path, "rb").read(), int.from_bytes(b, "big"), np.frombuffer, torch.from_numpy
    提示：gzip.open(path, "rb").read()、int.from_bytes(b, "big")、np.frombuffer、torch.from_numpy
    """
    raise NotImplementedError("exercise 1: read_idx")


class MNISTDataset(Dataset):
    """Exercise 2: a map-style Dataset over the MNIST files in the folder root.

    MNISTDataset(root, train=True) reads the train-* files, train=False the t10k-* files.
    len(ds) is the number of images; ds[i] is (image, label) where image is a float32 tensor of
    shape (1, 28, 28) with values in [0, 1] (the byte value / 255) and label is the digit as an
    int64 0-d tensor or a Python int. The folder may hold any number of images: take the length from
    the files. Keep only picklable things on self (tensors, numbers, strings):
    DataLoader workers started with "spawn" (macOS, Windows) receive the dataset by pickling.
    第 2 小题：实现一个基于 root 文件夹中 MNIST 文件的映射式（map-style）Dataset。
    MNISTDataset(root, train=True) 读取 train-* 文件，train=False 时读取 t10k-* 文件。
    len(ds) 是图像数量；ds[i] 返回 (image, label)：image 为形状 (1, 28, 28) 的 float32 张量，
    取值在 [0, 1]（字节值 / 255）；label 为该数字，类型是 int64 的 0 维张量或 Python int。
    文件夹中的图像数量不固定：长度要从文件中得出。
    self 上只能保存可被 pickle 的东西（张量、数字、字符串）：以 "spawn" 方式启动的
    DataLoader 工作进程（macOS、Windows 上的默认方式）是通过 pickle 收到数据集的。
    """

    def __init__(self, root, train=True):
        raise NotImplementedError("exercise 2: MNISTDataset")

    def __len__(self):
        raise NotImplementedError("exercise 2: MNISTDataset")

    def __getitem__(self, index):
        raise NotImplementedError("exercise 2: MNISTDataset")


def make_loader(dataset, batch_size, seed, num_workers=0):
    """Exercise 3: a DataLoader that shuffles reproducibly.

    Batches of batch_size (the last may be smaller), a new order every epoch, and the same
    sequence of orders every time make_loader is called with the same seed, whatever else used
    torch's global random generator in between. Do not touch the global generator
    (no torch.manual_seed here), and give every loader its own generator, so two loaders never
    disturb each other. Pass num_workers on to the DataLoader.
    第 3 小题：创建一个可复现地打乱顺序的 DataLoader。
    每批 batch_size 个样本（最后一批可以更少），每个 epoch 顺序都不同；用同一个 seed
    调用 make_loader 时，无论中间有谁使用过 torch 的全局随机数生成器，得到的顺序序列都相同。
    不要改动全局随机数生成器（这里不要调用 torch.manual_seed），并让每个加载器都有自己的生成器，
    使两个加载器互不干扰。把 num_workers 传给 DataLoader。
    """
    raise NotImplementedError("exercise 3: make_loader")


def pad_collate(batch):
    """Exercise 4: a collate_fn that pads variable-length sequences into one batch.

    batch: a list of (tokens, label) pairs; tokens is a 1-D int64 tensor (lengths differ),
    label a Python int. Return (padded, lengths, labels):
    padded  int64 (len(batch), longest length), each row a sequence followed by zeros;
    lengths int64 (len(batch),), the true length of each sequence;
    labels  int64 (len(batch),).
    The default collate stacks the tensors, which fails when their lengths differ.
    第 4 小题：编写一个 collate_fn，把长度不一的序列填充（padding）成一个批次。
    batch：由 (tokens, label) 组成的列表；tokens 是一维 int64 张量（长度各不相同），label 是 Python int。
    返回 (padded, lengths, labels)：
    padded  int64，形状 (len(batch), 最长长度)，每行是一个序列，后面补 0；
    lengths int64，形状 (len(batch),)，每个序列的真实长度；
    labels  int64，形状 (len(batch),)。
    默认的 collate 会直接 stack 这些张量，长度不同时就会报错。
    """
    raise NotImplementedError("exercise 4: pad_collate")


class ShardedStream(IterableDataset):
    """Exercise 5: an IterableDataset that streams dataset[0], dataset[1], ... and splits the work.

    ShardedStream(dataset) wraps any map-style dataset. Iterated in the main process it yields
    every item once. With DataLoader(num_workers=n) each worker process runs __iter__ on its own
    copy, so each worker must yield only its share: together every item exactly once, for any
    number of workers and any length.
    第 5 小题：实现一个按顺序产出 dataset[0]、dataset[1]…… 并能分摊工作的 IterableDataset。
    ShardedStream(dataset) 包装任意映射式数据集。在主进程中迭代时，每个样本产出一次。
    使用 DataLoader(num_workers=n) 时，每个工作进程都会在自己的副本上运行 __iter__，
    所以每个工作进程只能产出属于自己的那一份：合起来每个样本恰好出现一次（工作进程数与长度任意）。
    Hint: torch.utils.data.get_worker_info() (None in the main process)
    提示：torch.utils.data.get_worker_info()（在主进程中为 None）
    """

    def __init__(self, dataset):
        raise NotImplementedError("exercise 5: ShardedStream")

    def __iter__(self):
        raise NotImplementedError("exercise 5: ShardedStream")
