"""Hidden checks for the tensors kata. Each docstring: English title, then Chinese title."""

import numpy as np
import pytest
import torch

from grader import expect


def test_to_float_tensor(solution):
    """to_float_tensor turns lists and NumPy arrays into float32 tensors
    to_float_tensor 把列表和 NumPy 数组转换为 float32 张量"""
    out = solution.to_float_tensor([[1, 2], [3, 4]])
    expect.matches(out, torch.tensor([[1.0, 2.0], [3.0, 4.0]]), name="to_float_tensor([[1, 2], [3, 4]])")
    array = np.random.default_rng(0).normal(size=(3, 5))  # float64, as NumPy makes by default
    out = solution.to_float_tensor(array)
    expect.matches(
        out, torch.tensor(array, dtype=torch.float32), name="to_float_tensor(a float64 NumPy array)",
        why="NumPy arrays are float64 by default; models use float32, so convert with dtype=torch.float32",
    )


def test_trainable_zeros(solution):
    """trainable_zeros makes a float32 leaf tensor that requires grad
    trainable_zeros 创建一个 requires_grad 的 float32 叶子张量"""
    out = solution.trainable_zeros((2, 3))
    expect.matches(out, torch.zeros(2, 3), name="trainable_zeros((2, 3))")
    expect.requires_grad(out, True, name="trainable_zeros((2, 3))", why="pass requires_grad=True when creating it")
    assert out.is_leaf, "trainable_zeros should create the tensor directly (a leaf), not compute it from another one"


def test_linear_forward(solution):
    """linear_forward computes x · wᵀ + b with matrix multiplication
    linear_forward 用矩阵乘法计算 x · wᵀ + b"""
    g = torch.Generator().manual_seed(1)
    x, w, b = torch.randn(4, 3, generator=g), torch.randn(5, 3, generator=g), torch.randn(5, generator=g)
    expected = torch.nn.functional.linear(x, w, b)
    expect.matches(
        solution.linear_forward(x, w, b), expected, name="linear_forward(x, w, b)",
        why="x is (batch, in), w is (out, in): the product is x @ w.T, then add b",
    )


def test_flatten_transposed(solution):
    """flatten_transposed flattens a transposed (non-contiguous) tensor
    flatten_transposed 能展平一个转置后（内存不连续）的张量"""
    x = torch.arange(12.0).reshape(3, 4)
    try:
        out = solution.flatten_transposed(x)
    except RuntimeError as exc:
        if "view" in str(exc):
            raise AssertionError(
                "flatten_transposed raised 'view size is not compatible': x.t() is not contiguous, "
                "so view() cannot flatten it; use reshape() or .contiguous().view()"
            ) from None
        raise
    expect.matches(out, x.t().contiguous().view(-1), name="flatten_transposed(x)",
                   why="transpose first, then flatten the rows of xᵀ")
    assert torch.equal(x, torch.arange(12.0).reshape(3, 4)), "flatten_transposed must not change its input"


def test_add_channel_dim(solution):
    """add_channel_dim turns (N, H, W) images into (N, 1, H, W)
    add_channel_dim 把 (N, H, W) 的图像变为 (N, 1, H, W)"""
    images = torch.rand(5, 7, 6, generator=torch.Generator().manual_seed(2))
    expect.matches(solution.add_channel_dim(images), images[:, None], name="add_channel_dim(images of shape (5, 7, 6))",
                   why="the channel axis goes at position 1: unsqueeze(1)")


def test_join_batches(solution):
    """join_batches stacks two batches along the batch axis
    join_batches 沿批维拼接两个批次"""
    g = torch.Generator().manual_seed(3)
    a, b = torch.randn(2, 4, generator=g), torch.randn(3, 4, generator=g)
    expect.matches(solution.join_batches(a, b), torch.cat([a, b]), name="join_batches(a (2, 4), b (3, 4))",
                   why="samples are rows, so join along dim=0")


def test_to_labels(solution):
    """to_labels converts class numbers to int64 labels
    to_labels 把类别编号转换为 int64 标签"""
    x = torch.tensor([3.0, 0.0, 9.0, 1.0])
    expect.matches(solution.to_labels(x), torch.tensor([3, 0, 9, 1]), name="to_labels(tensor([3., 0., 9., 1.]))",
                   why="class labels are int64: .long(), not .int() (int32)")


def test_positive_mask(solution):
    """positive_mask returns a bool mask of the positive entries
    positive_mask 返回正数位置的 bool 掩码"""
    x = torch.tensor([[-1.0, 0.0, 2.0], [3.5, -0.1, 0.2]])
    expect.matches(solution.positive_mask(x), torch.tensor([[False, False, True], [True, False, True]]),
                   name="positive_mask(x)", why="a comparison such as x > 0 gives a bool tensor; 0 is not positive")


@pytest.mark.points(2)
def test_move_to(solution, device):
    """move_to puts a tensor on the requested device
    move_to 把张量放到指定设备上"""
    x = torch.arange(6.0).reshape(2, 3)
    moved = solution.move_to(x, "meta")  # the meta device exists everywhere and holds no data
    expect.device(moved, "meta", name='move_to(x, "meta")', why="use x.to(device)")
    expect.shape(moved, (2, 3), name='move_to(x, "meta")')
    out = solution.move_to(x, device)
    expect.matches(out, x.to(device), name=f"move_to(x, {str(device)!r})")
