"""Hidden checks for the tensors kata. Each docstring: English title, then Chinese title.

Every check tries several shapes (odd and non-square ones, a batch of 1) and dtypes, computes what it
expects before calling the learner's code, and checks afterwards that the inputs are unchanged.
"""

import numpy as np
import pytest
import torch

from grader import expect


def _call(name, fn, *args, why=""):
    """Call a learner function; a RuntimeError from torch becomes a message that names the call.

    NotImplementedError is a RuntimeError too: it passes through, so the scorecard says "not started".
    """
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except RuntimeError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AssertionError(f"{name} raised RuntimeError: {first}. {why}".strip()) from None


def _unchanged(before, after, name, why):
    """The learner's call must leave its input as it was (shape, dtype and values)."""
    same = (after.shape == before.shape and after.dtype == before.dtype
            and torch.equal(after.detach().cpu(), before))
    if not same:
        raise AssertionError(
            f"{name} changed its input in place: it was {tuple(before.shape)} {before.dtype}, afterwards "
            f"{tuple(after.shape)} {after.dtype}{'' if after.shape != before.shape else ' with other values'}. {why}"
        )


def _gradients_flow(name, fn, reference, inputs, names, why):
    """With inputs that require grad, fn's result must stay in the graph and pass the same gradients back."""
    mine = [t.detach().clone().requires_grad_(True) for t in inputs]
    theirs = [t.detach().clone().requires_grad_(True) for t in inputs]
    expected = reference(*theirs)
    upstream = torch.randn(expected.shape, generator=torch.Generator().manual_seed(99), dtype=expected.dtype)
    expected.backward(upstream)
    out = _call(name, fn, *mine, why=why)
    expect.requires_grad(out, True, name=f"{name} with inputs that require grad",
                         why="the result should stay in the autograd graph, so gradients reach the inputs: " + why)
    out.backward(upstream.to(out.device))
    for arg, got, want in zip(names, mine, theirs):
        assert got.grad is not None, f"after backward() through {name}, no gradient reached {arg}: {why}"
        expect.close(got.grad, want.grad, name=f"the gradient reaching {arg} through {name}", why=why)


def test_to_float_tensor(solution):
    """to_float_tensor turns lists and NumPy arrays into float32 tensors
    to_float_tensor 把列表和 NumPy 数组转换为 float32 张量"""
    rng = np.random.default_rng(0)
    cases = [
        ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
        ("[0.5, -2.25, 3.0]", [0.5, -2.25, 3.0]),
        ("a float64 NumPy array of shape (3, 5)", rng.normal(size=(3, 5))),  # NumPy's default dtype
        ("an int64 NumPy array of shape (2, 7)", rng.integers(-9, 9, size=(2, 7))),
        ("a float32 NumPy array of shape (1, 4, 3)", rng.normal(size=(1, 4, 3)).astype(np.float32)),
    ]
    for label, data in cases:
        expected = torch.tensor(np.asarray(data), dtype=torch.float32)
        kept = np.array(data, copy=True)
        out = solution.to_float_tensor(data)
        expect.matches(out, expected, name=f"to_float_tensor({label})",
                       why="NumPy arrays are float64 or int64 by default; models use float32, so convert with "
                           "dtype=torch.float32")
        assert np.array_equal(np.asarray(data), kept), f"to_float_tensor({label}) changed its input"


def test_trainable_zeros(solution):
    """trainable_zeros makes a float32 leaf tensor that requires grad
    trainable_zeros 创建一个 requires_grad 的 float32 叶子张量"""
    for shape in ((2, 3), (5,), (1, 4, 7)):
        out = solution.trainable_zeros(shape)
        expect.matches(out, torch.zeros(shape), name=f"trainable_zeros({shape})")
        expect.requires_grad(out, True, name=f"trainable_zeros({shape})", why="pass requires_grad=True when creating it")
        assert out.is_leaf, (
            f"trainable_zeros({shape}) should create the tensor directly (a leaf), not compute it from another "
            "one: only leaves get their .grad filled by backward()"
        )
        weights = torch.arange(1.0, out.numel() + 1).reshape(shape)
        (out * weights).sum().backward()
        expect.close(out.grad, weights, name=f"trainable_zeros({shape}).grad after backward()",
                     why="the gradient of (t * w).sum() with respect to t is w")


def test_linear_forward(solution):
    """linear_forward computes x · wᵀ + b with matrix multiplication (@ or torch.matmul)
    linear_forward 用矩阵乘法（@ 或 torch.matmul）计算 x · wᵀ + b"""
    g = torch.Generator().manual_seed(1)
    for batch, n_in, n_out, dtype in ((4, 3, 5, torch.float32), (1, 3, 2, torch.float32),
                                      (7, 9, 1, torch.float32), (3, 6, 4, torch.float64)):
        x = torch.randn(batch, n_in, generator=g, dtype=dtype)
        w = torch.randn(n_out, n_in, generator=g, dtype=dtype)
        b = torch.randn(n_out, generator=g, dtype=dtype)
        inputs = {"x": x.clone(), "w": w.clone(), "b": b.clone()}
        expected = torch.nn.functional.linear(x, w, b)
        name = f"linear_forward(x {tuple(x.shape)}, w {tuple(w.shape)}, b {tuple(b.shape)}, {dtype})"
        out = _call(name, solution.linear_forward, x, w, b,
                    why="x is (batch, in), w is (out, in): multiply x @ w.T (or torch.matmul(x, w.T)), then add b")
        for arg, given in (("x", x), ("w", w), ("b", b)):
            _unchanged(inputs[arg], given, f"{name} (argument {arg})",
                       "use the out-of-place forms (w.T, b.unsqueeze(0) or plain broadcasting): methods ending "
                       "in _ such as unsqueeze_ or t_ change the caller's tensor")
        expect.matches(out, expected, name=name,
                       why="x is (batch, in), w is (out, in): the product is x @ w.T, then add b (it broadcasts)")
    inputs = (torch.randn(3, 4, generator=g, dtype=torch.float64), torch.randn(2, 4, generator=g, dtype=torch.float64),
              torch.randn(2, generator=g, dtype=torch.float64))
    _gradients_flow("linear_forward(x, w, b)", solution.linear_forward, torch.nn.functional.linear, inputs, ("x", "w", "b"),
                    why="a layer's output must carry gradients to x, w and b (no .detach(), no torch.no_grad())")


def test_flatten_transposed(solution):
    """flatten_transposed flattens a transposed (non-contiguous) tensor
    flatten_transposed 能展平一个转置后（内存不连续）的张量"""
    for shape, dtype in (((3, 4), torch.float32), ((5, 2), torch.float64), ((1, 6), torch.int64), ((4, 4), torch.float32)):
        x = torch.arange(shape[0] * shape[1], dtype=dtype).reshape(shape)
        before = x.clone()
        expected = x.t().contiguous().view(-1)  # computed before the learner's call can touch x
        name = f"flatten_transposed(x of shape {shape})"
        out = _call(name, solution.flatten_transposed, x,
                    why="x.t() is not contiguous, so view() cannot flatten it: use reshape() or .contiguous().view()")
        _unchanged(before, x, name, "transpose with x.t() (a new view), not x.t_(), which transposes the caller's tensor")
        expect.matches(out, expected, name=name, why="transpose first, then flatten the rows of xᵀ")
    x = torch.randn(3, 5, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    _gradients_flow("flatten_transposed(x)", solution.flatten_transposed, lambda t: t.t().reshape(-1), (x,), ("x",),
                    why="reshaping is differentiable: no .detach() and no copy through NumPy")


def test_add_channel_dim(solution):
    """add_channel_dim turns (N, H, W) images into (N, 1, H, W)
    add_channel_dim 把 (N, H, W) 的图像变为 (N, 1, H, W)"""
    g = torch.Generator().manual_seed(2)
    cases = (torch.rand(5, 7, 6, generator=g), torch.rand(1, 28, 28, generator=g),
             torch.randint(0, 256, (3, 28, 28), generator=g, dtype=torch.uint8),
             torch.rand(2, 5, 9, generator=g, dtype=torch.float64))
    for images in cases:
        before = images.clone()
        expected = images.clone().unsqueeze(1)
        name = f"add_channel_dim(images of shape {tuple(images.shape)}, {images.dtype})"
        out = _call(name, solution.add_channel_dim, images,
                    why="take the sizes from images.shape (any N, H, W), or let unsqueeze(1) add the axis")
        _unchanged(before, images, name, "use unsqueeze(1), not unsqueeze_(1)")
        expect.matches(out, expected, name=name, why="the channel axis goes at position 1, for any N, H and W: unsqueeze(1)")
    _gradients_flow("add_channel_dim(images)", solution.add_channel_dim, lambda t: t.unsqueeze(1),
                    (torch.rand(2, 3, 4, generator=g, dtype=torch.float64),), ("images",),
                    why="adding an axis is differentiable: no .detach()")


def test_join_batches(solution):
    """join_batches stacks two batches along the batch axis
    join_batches 沿批维拼接两个批次"""
    g = torch.Generator().manual_seed(3)
    cases = ((torch.randn(2, 4, generator=g), torch.randn(3, 4, generator=g)),
             (torch.randn(1, 5, generator=g), torch.randn(6, 5, generator=g)),
             (torch.randint(-5, 5, (4, 3), generator=g), torch.randint(-5, 5, (1, 3), generator=g)),
             (torch.randn(3, 2, generator=g, dtype=torch.float64), torch.randn(3, 2, generator=g, dtype=torch.float64)))
    for a, b in cases:
        before = (a.clone(), b.clone())
        expected = torch.cat([a, b])
        name = f"join_batches(a {tuple(a.shape)}, b {tuple(b.shape)}, {a.dtype})"
        out = _call(name, solution.join_batches, a, b,
                    why="batches of different sizes join along dim=0 with torch.cat; torch.stack needs equal sizes")
        _unchanged(before[0], a, f"{name} (argument a)", "build a new tensor with torch.cat")
        _unchanged(before[1], b, f"{name} (argument b)", "build a new tensor with torch.cat")
        expect.matches(out, expected, name=name, why="samples are rows, so join along dim=0")
    _gradients_flow("join_batches(a, b)", solution.join_batches, lambda a, b: torch.cat([a, b]),
                    (torch.randn(2, 3, generator=g, dtype=torch.float64), torch.randn(4, 3, generator=g, dtype=torch.float64)),
                    ("a", "b"), why="torch.cat is differentiable: each input gets its own rows' gradient")


def test_to_labels(solution):
    """to_labels converts class numbers of any shape to int64 labels
    to_labels 把任意形状的类别编号转换为 int64 标签"""
    g = torch.Generator().manual_seed(4)
    cases = (torch.tensor([3.0, 0.0, 9.0, 1.0]),
             torch.randint(0, 10, (2, 3), generator=g).double(),  # float64 class numbers
             torch.randint(0, 5, (2, 4, 5), generator=g).float())  # a per-pixel map of classes
    for x in cases:
        before = x.clone()
        expected = before.to(torch.int64)
        name = f"to_labels(class numbers of shape {tuple(x.shape)}, {x.dtype})"
        out = _call(name, solution.to_labels, x)
        _unchanged(before, x, name, "convert into a new tensor")
        expect.matches(out, expected, name=name,
                       why="class labels are int64 (.long(), not .int(), which is int32) and keep their shape: "
                           "an (N, H, W) map of classes stays (N, H, W)")


def test_positive_mask(solution):
    """positive_mask returns a bool mask of the positive entries
    positive_mask 返回正数位置的 bool 掩码"""
    cases = (torch.tensor([[-1.0, 0.0, 2.0], [3.5, -0.1, 0.2]]),
             torch.randn(3, 1, 4, generator=torch.Generator().manual_seed(5), dtype=torch.float64),
             torch.tensor([-3, 0, 4, 1, 0, -1]))
    for x in cases:
        before = x.clone()
        expected = before > 0
        name = f"positive_mask(x of shape {tuple(x.shape)}, {x.dtype})"
        out = _call(name, solution.positive_mask, x)
        _unchanged(before, x, name, "compare into a new tensor")
        expect.matches(out, expected, name=name, why="a comparison such as x > 0 gives a bool tensor; 0 is not positive")


@pytest.mark.points(2)
def test_move_to(solution, device):
    """move_to puts a tensor on the requested device, keeping its dtype and its gradient path
    move_to 把张量放到指定设备上，保持 dtype 和梯度路径"""
    g = torch.Generator().manual_seed(6)
    for x in (torch.arange(6.0).reshape(2, 3), torch.randn(3, 5, generator=g, dtype=torch.float64),
              torch.arange(-2, 5)):
        label = f"x of shape {tuple(x.shape)}, {x.dtype}"
        moved = solution.move_to(x, "meta")  # the meta device exists everywhere and holds no data
        expect.device(moved, "meta", name=f'move_to({label}, "meta")', why="use x.to(device)")
        expect.shape(moved, x.shape, name=f'move_to({label}, "meta")')
        expect.dtype(moved, x.dtype, name=f'move_to({label}, "meta")', why="moving must not change the dtype")
        expected = x.to(device)
        out = solution.move_to(x, device)
        expect.matches(out, expected, name=f"move_to({label}, {str(device)!r})")

    x = torch.randn(3, 4, generator=g, requires_grad=True)
    upstream = torch.randn(3, 4, generator=g)
    moved = _call(f"move_to(x that requires grad, {str(device)!r})", solution.move_to, x, device)
    expect.requires_grad(moved, True, name=f"move_to(x that requires grad, {str(device)!r})",
                         why="x.to(device) stays in x's graph; torch.tensor(x, ...) and x.detach() copy the values "
                             "but cut the graph, so nothing would reach the weights")
    (moved * upstream.to(moved.device)).sum().backward()
    assert x.grad is not None, "after backward() through move_to's result, x.grad is still None: the graph was cut"
    expect.close(x.grad, upstream, name="x.grad after backward() through move_to's result",
                 why="moving is not a computation: the gradient should reach x unchanged")


def test_random_tensors(solution):
    """random_tensors draws reproducible uniform and normal tensors from a seeded torch.Generator
    random_tensors 用设置了种子的 torch.Generator 生成可复现的均匀分布与正态分布张量"""
    for shape, seed in (((3, 4), 0), ((5,), 7), ((2, 3, 7), 12345)):
        generator = torch.Generator().manual_seed(seed)
        want_uniform = torch.rand(shape, generator=generator)
        want_normal = torch.randn(shape, generator=generator)
        torch.manual_seed(2024)  # some other part of the program seeded the global random state
        global_state = torch.get_rng_state()
        name = f"random_tensors({shape}, seed={seed})"
        out = solution.random_tensors(shape, seed)
        assert torch.equal(torch.get_rng_state(), global_state), (
            f"{name} changed the global random state: torch.manual_seed (or an unseeded torch.rand) inside it "
            "changes the randomness of every other part of the program. Create "
            "torch.Generator().manual_seed(seed) and pass generator=... to torch.rand and torch.randn"
        )
        assert isinstance(out, (tuple, list)) and len(out) == 2, (
            f"{name} should return a pair (uniform, normal), got {type(out).__name__}"
        )
        uniform, normal = out
        expect.matches(uniform, want_uniform, name=f"the uniform tensor of {name}",
                       why="draw it first, with torch.rand(shape, generator=g) from a generator seeded with seed "
                           "(values in [0, 1); torch.randn would give normal values)")
        expect.matches(normal, want_normal, name=f"the normal tensor of {name}",
                       why="draw it second, with torch.randn(shape, generator=g) from the same generator: a second "
                           "generator seeded again would start the stream over")
