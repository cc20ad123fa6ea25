"""Checks for the tensors kata, judge half: inputs from `rng`, verdicts on what the child observed.

Runs in the `kata` process only; exercise_tensors.py (same function names) runs the learner's code on
these inputs in the grading child. Each docstring: English title, then Chinese title. Every check tries
several shapes (odd and non-square ones, a batch of 1) and dtypes, and checks that the inputs come back
unchanged.
"""

import numpy as np
import pytest
import torch

from grader import expect
from grader.observations import Opaque


def _unchanged(before, after, name, why):
    """The learner's call must leave its input as it was (shape, dtype and values)."""
    same = (
        after.shape == before.shape
        and after.dtype == before.dtype
        and torch.equal(after.detach().cpu(), before.detach())
    )
    if not same:
        raise AssertionError(
            f"{name} changed its input in place: it was {tuple(before.shape)} {before.dtype}, afterwards "
            f"{tuple(after.shape)} {after.dtype}{'' if after.shape != before.shape else ' with other values'}. {why}"
        )


def _gradient_case(rng, reference, inputs):
    """Inputs that require grad and an upstream gradient for the exercise; the gradients the inputs should get."""
    theirs = [t.detach().clone().requires_grad_(True) for t in inputs]
    expected = reference(*theirs)
    upstream = torch.randn(expected.shape, generator=rng, dtype=expected.dtype)
    (expected * upstream).sum().backward()  # = expected.backward(upstream), without its first-use import
    given = {"inputs": [t.detach().clone().requires_grad_(True) for t in inputs], "upstream": upstream}
    return given, [t.grad for t in theirs]


def _gradients_flow(seen, expected_grads, name, names, why):
    """The result stays in the graph and passes the reference's gradients back to every input."""
    out = expect.returned(seen["out"], name=name, why=why)
    expect.requires_grad(
        out,
        True,
        name=f"{name} with inputs that require grad",
        why="the result should stay in the autograd graph, so gradients reach the inputs: " + why,
    )
    expect.returned(seen["backward"], name=f"backward() through the result of {name}", why=why)
    for arg, got, want in zip(names, seen["grads"], expected_grads, strict=True):
        assert got is not None, f"after backward() through {name}, no gradient reached {arg}: {why}"
        expect.close(got, want, name=f"the gradient reaching {arg} through {name}", why=why)


def _kind(value):
    return value.type if isinstance(value, Opaque) else type(value).__name__


def _numpy_rng(rng):
    return np.random.default_rng(int(torch.randint(2**31 - 1, (1,), generator=rng)))


def test_to_float_tensor(rng):
    """to_float_tensor turns lists and NumPy arrays into float32 tensors
    to_float_tensor 把列表和 NumPy 数组转换为 float32 张量"""
    numpy_rng = _numpy_rng(rng)
    ints = torch.randint(-9, 10, (2, 2), generator=rng).tolist()
    quarters = (torch.randint(-16, 17, (3,), generator=rng) / 4).tolist()
    cases = [
        (str(ints), ints),
        (str(quarters), quarters),
        ("a float64 NumPy array of shape (3, 5)", numpy_rng.normal(size=(3, 5))),  # NumPy's default dtype
        ("an int64 NumPy array of shape (2, 7)", numpy_rng.integers(-9, 9, size=(2, 7))),
        ("a float32 NumPy array of shape (1, 4, 3)", numpy_rng.normal(size=(1, 4, 3)).astype(np.float32)),
    ]
    seen = yield [data for _, data in cases]
    for (label, data), got in zip(cases, seen, strict=True):
        expect.matches(
            got["out"],
            torch.tensor(np.asarray(data), dtype=torch.float32),
            name=f"to_float_tensor({label})",
            why="NumPy arrays are float64 or int64 by default; models use float32, so convert with dtype=torch.float32",
        )
        assert np.array_equal(np.asarray(got["data_after"]), np.asarray(data)), (
            f"to_float_tensor({label}) changed its input"
        )


def test_trainable_zeros(rng):
    """trainable_zeros makes a float32 leaf tensor that requires grad
    trainable_zeros 创建一个 requires_grad 的 float32 叶子张量"""
    shapes = ((2, 3), (5,), (1, 4, 7))
    weights = [torch.randn(shape, generator=rng) for shape in shapes]
    seen = yield [{"shape": shape, "weights": w} for shape, w in zip(shapes, weights, strict=True)]
    for shape, w, got in zip(shapes, weights, seen, strict=True):
        name = f"trainable_zeros({shape})"
        out = got["out"]
        expect.matches(out, torch.zeros(shape), name=name)
        expect.requires_grad(out, True, name=name, why="pass requires_grad=True when creating it")
        assert got["is_leaf"], (
            f"{name} should create the tensor directly (a leaf), not compute it from another "
            "one: only leaves get their .grad filled by backward()"
        )
        expect.returned(got["backward"], name=f"({name} * w).sum().backward()")
        expect.close(
            got["grad"],
            w,
            name=f"{name}.grad after backward() of (t * w).sum()",
            why="the gradient of (t * w).sum() with respect to t is w",
        )


def test_linear_forward(rng):
    """linear_forward computes x · wᵀ + b with matrix multiplication (@ or torch.matmul)
    linear_forward 用矩阵乘法（@ 或 torch.matmul）计算 x · wᵀ + b"""
    cases = []
    for batch, n_in, n_out, dtype in (
        (4, 3, 5, torch.float32),
        (1, 3, 2, torch.float32),
        (7, 9, 1, torch.float32),
        (3, 6, 4, torch.float64),
    ):
        cases.append(
            (
                torch.randn(batch, n_in, generator=rng, dtype=dtype),
                torch.randn(n_out, n_in, generator=rng, dtype=dtype),
                torch.randn(n_out, generator=rng, dtype=dtype),
            )
        )
    gradient, expected_grads = _gradient_case(
        rng,
        torch.nn.functional.linear,
        [torch.randn(shape, generator=rng, dtype=torch.float64) for shape in ((3, 4), (2, 4), (2,))],
    )
    seen = yield {"cases": cases, "gradient": gradient}
    for (x, w, b), got in zip(cases, seen["cases"], strict=True):
        name = f"linear_forward(x {tuple(x.shape)}, w {tuple(w.shape)}, b {tuple(b.shape)}, {x.dtype})"
        expect.returned(
            got["out"],
            name=name,
            why="x is (batch, in), w is (out, in): multiply x @ w.T (or torch.matmul(x, w.T)), then add b",
        )
        for arg, given, after in zip("xwb", (x, w, b), got["inputs_after"], strict=True):
            _unchanged(
                given,
                after,
                f"{name} (argument {arg})",
                "use the out-of-place forms (w.T, b.unsqueeze(0) or plain broadcasting): methods ending "
                "in _ such as unsqueeze_ or t_ change the caller's tensor",
            )
        expect.matches(
            got["out"],
            torch.nn.functional.linear(x, w, b),
            name=name,
            why="x is (batch, in), w is (out, in): the product is x @ w.T, then add b (it broadcasts)",
        )
    _gradients_flow(
        seen["gradient"],
        expected_grads,
        "linear_forward(x, w, b)",
        ("x", "w", "b"),
        why="a layer's output must carry gradients to x, w and b (no .detach(), no torch.no_grad())",
    )


def test_flatten_transposed(rng):
    """flatten_transposed flattens a transposed (non-contiguous) tensor
    flatten_transposed 能展平一个转置后（内存不连续）的张量"""
    cases = [
        torch.randn(3, 4, generator=rng),
        torch.randn(5, 2, generator=rng, dtype=torch.float64),
        torch.randint(-50, 50, (1, 6), generator=rng),
        torch.randn(4, 4, generator=rng),
    ]
    gradient, expected_grads = _gradient_case(
        rng, lambda t: t.t().reshape(-1), [torch.randn(3, 5, generator=rng, dtype=torch.float64)]
    )
    seen = yield {"cases": cases, "gradient": gradient}
    for x, got in zip(cases, seen["cases"], strict=True):
        name = f"flatten_transposed(x of shape {tuple(x.shape)})"
        expect.returned(
            got["out"],
            name=name,
            why="x.t() is not contiguous, so view() cannot flatten it: use reshape() or .contiguous().view()",
        )
        _unchanged(
            x,
            got["x_after"],
            name,
            "transpose with x.t() (a new view), not x.t_(), which transposes the caller's tensor",
        )
        expect.matches(
            got["out"], x.t().contiguous().view(-1), name=name, why="transpose first, then flatten the rows of xᵀ"
        )
    _gradients_flow(
        seen["gradient"],
        expected_grads,
        "flatten_transposed(x)",
        ("x",),
        why="reshaping is differentiable: no .detach() and no copy through NumPy",
    )


def test_add_channel_dim(rng):
    """add_channel_dim turns (N, H, W) images into (N, 1, H, W)
    add_channel_dim 把 (N, H, W) 的图像变为 (N, 1, H, W)"""
    cases = [
        torch.rand(5, 7, 6, generator=rng),
        torch.rand(1, 28, 28, generator=rng),
        torch.randint(0, 256, (3, 28, 28), generator=rng, dtype=torch.uint8),
        torch.rand(2, 5, 9, generator=rng, dtype=torch.float64),
    ]
    gradient, expected_grads = _gradient_case(
        rng, lambda t: t.unsqueeze(1), [torch.rand(2, 3, 4, generator=rng, dtype=torch.float64)]
    )
    seen = yield {"cases": cases, "gradient": gradient}
    for images, got in zip(cases, seen["cases"], strict=True):
        name = f"add_channel_dim(images of shape {tuple(images.shape)}, {images.dtype})"
        expect.returned(
            got["out"],
            name=name,
            why="take the sizes from images.shape (any N, H, W), or let unsqueeze(1) add the axis",
        )
        _unchanged(images, got["images_after"], name, "use unsqueeze(1), not unsqueeze_(1)")
        expect.matches(
            got["out"],
            images.unsqueeze(1),
            name=name,
            why="the channel axis goes at position 1, for any N, H and W: unsqueeze(1)",
        )
    _gradients_flow(
        seen["gradient"],
        expected_grads,
        "add_channel_dim(images)",
        ("images",),
        why="adding an axis is differentiable: no .detach()",
    )


def test_join_batches(rng):
    """join_batches stacks two batches along the batch axis
    join_batches 沿批维拼接两个批次"""
    cases = [
        (torch.randn(2, 4, generator=rng), torch.randn(3, 4, generator=rng)),
        (torch.randn(1, 5, generator=rng), torch.randn(6, 5, generator=rng)),
        (torch.randint(-5, 5, (4, 3), generator=rng), torch.randint(-5, 5, (1, 3), generator=rng)),
        (torch.randn(3, 2, generator=rng, dtype=torch.float64), torch.randn(3, 2, generator=rng, dtype=torch.float64)),
    ]
    gradient, expected_grads = _gradient_case(
        rng,
        lambda a, b: torch.cat([a, b]),
        [torch.randn(2, 3, generator=rng, dtype=torch.float64), torch.randn(4, 3, generator=rng, dtype=torch.float64)],
    )
    seen = yield {"cases": cases, "gradient": gradient}
    for (a, b), got in zip(cases, seen["cases"], strict=True):
        name = f"join_batches(a {tuple(a.shape)}, b {tuple(b.shape)}, {a.dtype})"
        expect.returned(
            got["out"],
            name=name,
            why="batches of different sizes join along dim=0 with torch.cat; torch.stack needs equal sizes",
        )
        for arg, given, after in zip("ab", (a, b), got["inputs_after"], strict=True):
            _unchanged(given, after, f"{name} (argument {arg})", "build a new tensor with torch.cat")
        expect.matches(got["out"], torch.cat([a, b]), name=name, why="samples are rows, so join along dim=0")
    _gradients_flow(
        seen["gradient"],
        expected_grads,
        "join_batches(a, b)",
        ("a", "b"),
        why="torch.cat is differentiable: each input gets its own rows' gradient",
    )


def test_to_labels(rng):
    """to_labels converts class numbers of any shape to int64 labels
    to_labels 把任意形状的类别编号转换为 int64 标签"""
    cases = [
        torch.randint(0, 10, (4,), generator=rng).float(),
        torch.randint(0, 10, (2, 3), generator=rng).double(),  # float64 class numbers
        torch.randint(0, 5, (2, 4, 5), generator=rng).float(),
    ]  # a per-pixel map of classes
    seen = yield cases
    for x, got in zip(cases, seen, strict=True):
        name = f"to_labels(class numbers of shape {tuple(x.shape)}, {x.dtype})"
        expect.returned(got["out"], name=name)
        _unchanged(x, got["x_after"], name, "convert into a new tensor")
        expect.matches(
            got["out"],
            x.to(torch.int64),
            name=name,
            why="class labels are int64 (.long(), not .int(), which is int32) and keep their shape: "
            "an (N, H, W) map of classes stays (N, H, W)",
        )


def _with_zeros(rng, shape, dtype, draw):
    """Values from `draw` with zeros, positives and negatives at random places (0 is the edge case)."""
    count = int(torch.tensor(shape).prod())
    signs = torch.tensor([-1, 0, 1] * (count // 3) + [1] * (count % 3))[torch.randperm(count, generator=rng)]
    return (signs.to(dtype) * draw(count)).reshape(shape)


def test_positive_mask(rng):
    """positive_mask returns a bool mask of the positive entries
    positive_mask 返回正数位置的 bool 掩码"""
    cases = [
        _with_zeros(rng, (2, 3), torch.float32, lambda n: torch.rand(n, generator=rng) * 4 + 0.05),
        _with_zeros(rng, (3, 1, 4), torch.float64, lambda n: torch.rand(n, generator=rng, dtype=torch.float64) + 1e-3),
        _with_zeros(rng, (6,), torch.int64, lambda n: torch.randint(1, 5, (n,), generator=rng)),
    ]
    seen = yield cases
    for x, got in zip(cases, seen, strict=True):
        name = f"positive_mask(x of shape {tuple(x.shape)}, {x.dtype})"
        expect.returned(got["out"], name=name)
        _unchanged(x, got["x_after"], name, "compare into a new tensor")
        expect.matches(
            got["out"], x > 0, name=name, why="a comparison such as x > 0 gives a bool tensor; 0 is not positive"
        )


@pytest.mark.points(2)
def test_move_to(rng, device):
    """move_to puts a tensor on the requested device, keeping its dtype and its gradient path
    move_to 把张量放到指定设备上，保持 dtype 和梯度路径"""
    cases = [
        torch.randn(2, 3, generator=rng),
        torch.randn(3, 5, generator=rng, dtype=torch.float64),
        torch.randint(-2, 5, (7,), generator=rng),
    ]
    x = torch.randn(3, 4, generator=rng, requires_grad=True)
    upstream = torch.randn(3, 4, generator=rng)
    seen = yield {"cases": cases, "gradient": {"x": x, "upstream": upstream}}
    target = str(device)
    for x_case, got in zip(cases, seen["cases"], strict=True):
        label = f"x of shape {tuple(x_case.shape)}, {x_case.dtype}"
        name = f'move_to({label}, "meta")'  # the meta device exists everywhere and holds no data
        expect.device(got["on_meta"], "meta", name=name, why="use x.to(device)")
        expect.shape(got["on_meta"], x_case.shape, name=name)
        expect.dtype(got["on_meta"], x_case.dtype, name=name, why="moving must not change the dtype")
        name = f"move_to({label}, {target!r})"
        # compared piece by piece: the judge never touches an accelerator itself
        expect.device(got["on_device"], device, name=name, why="use x.to(device)")
        expect.dtype(got["on_device"], x_case.dtype, name=name, why="moving must not change the dtype")
        expect.close(got["on_device"], x_case, name=name)
    got = seen["gradient"]
    name = f"move_to(x that requires grad, {target!r})"
    expect.returned(got["moved"], name=name)
    expect.requires_grad(
        got["moved"],
        True,
        name=name,
        why="x.to(device) stays in x's graph; torch.tensor(x, ...) and x.detach() copy the values "
        "but cut the graph, so nothing would reach the weights",
    )
    expect.returned(got["backward"], name=f"backward() through the result of {name}")
    assert got["grad"] is not None, "after backward() through move_to's result, x.grad is still None: the graph was cut"
    expect.close(
        got["grad"],
        upstream,
        name="x.grad after backward() through move_to's result",
        why="moving is not a computation: the gradient should reach x unchanged",
    )


def test_random_tensors(rng):
    """random_tensors draws reproducible uniform and normal tensors from a seeded torch.Generator
    random_tensors 用设置了种子的 torch.Generator 生成可复现的均匀分布与正态分布张量"""
    cases = [
        {
            "shape": shape,
            "seed": int(torch.randint(2**31 - 1, (1,), generator=rng)),
            "global_seed": int(torch.randint(2**31 - 1, (1,), generator=rng)),
        }  # another part of the program's seed
        for shape in ((3, 4), (5,), (2, 3, 7))
    ]
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        shape, seed = case["shape"], case["seed"]
        name = f"random_tensors({shape}, seed={seed})"
        out = expect.returned(got["out"], name=name)
        assert torch.equal(got["global_state"], torch.Generator().manual_seed(case["global_seed"]).get_state()), (
            f"{name} changed the global random state: torch.manual_seed (or an unseeded torch.rand) inside it "
            "changes the randomness of every other part of the program. Create "
            "torch.Generator().manual_seed(seed) and pass generator=... to torch.rand and torch.randn"
        )
        assert isinstance(out, (tuple, list)) and len(out) == 2, (
            f"{name} should return a pair (uniform, normal), got {_kind(out)}"
        )
        generator = torch.Generator().manual_seed(seed)
        want_uniform = torch.rand(shape, generator=generator)
        want_normal = torch.randn(shape, generator=generator)
        uniform, normal = out
        expect.matches(
            uniform,
            want_uniform,
            name=f"the uniform tensor of {name}",
            why="draw it first, with torch.rand(shape, generator=g) from a generator seeded with seed "
            "(values in [0, 1); torch.randn would give normal values)",
        )
        expect.matches(
            normal,
            want_normal,
            name=f"the normal tensor of {name}",
            why="draw it second, with torch.randn(shape, generator=g) from the same generator: a second "
            "generator seeded again would start the stream over",
        )
