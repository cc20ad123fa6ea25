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
from grader.bilingual import Text, both
from grader.observations import Opaque
from grader.stand_in import STAND_IN


def _unchanged(before, after, name: Text, why: Text, arg: str = "") -> None:
    """The learner's call must leave its input (argument `arg`, when it has several) as it was (shape,
    dtype and values)."""
    same = (
        after.shape == before.shape
        and after.dtype == before.dtype
        and torch.equal(after.detach().cpu(), before.detach())
    )
    if not same:
        which = both(f" (argument {arg})", f"参数 {arg}") if arg else both("", "它的输入")
        values = both("", "") if after.shape != before.shape else both(" with other values", "，且数值已改变")
        raise AssertionError(
            both(
                "{name}{which} changed its input in place: it was {before} {before_dtype}, afterwards "
                "{after} {after_dtype}{values}. {why}",
                "{name} 原地修改了{which}：调用前是 {before} {before_dtype}，调用后是 {after} {after_dtype}{values}。{why}",
            ).format(
                name=name,
                which=which,
                before=tuple(before.shape),
                before_dtype=before.dtype,
                after=tuple(after.shape),
                after_dtype=after.dtype,
                values=values,
                why=why,
            )
        )


def _gradient_case(rng, reference, inputs):
    """Inputs that require grad and an upstream gradient for the exercise; the gradients the inputs should get."""
    theirs = [t.detach().clone().requires_grad_(True) for t in inputs]
    expected = reference(*theirs)
    upstream = torch.randn(expected.shape, generator=rng, dtype=expected.dtype)
    (expected * upstream).sum().backward()  # = expected.backward(upstream), without its first-use import
    given = {"inputs": [t.detach().clone().requires_grad_(True) for t in inputs], "upstream": upstream}
    return given, [t.grad for t in theirs]


def _gradients_flow(seen, expected_grads, name: str, names, why: Text) -> None:
    """The result stays in the graph and passes the reference's gradients back to every input."""
    out = expect.returned(seen["out"], name=name, why=why)
    expect.requires_grad(
        out,
        True,
        name=both(f"{name} with inputs that require grad", f"{name}（输入需要梯度）"),
        why=both(
            "the result should stay in the autograd graph, so gradients reach the inputs: ",
            "结果应留在自动求导的计算图中，梯度才能传回输入：",
        )
        + why,
    )
    expect.returned(
        seen["backward"],
        name=both(f"backward() through the result of {name}", f"对 {name} 的结果调用 backward()"),
        why=why,
    )
    for arg, got, want in zip(names, seen["grads"], expected_grads, strict=True):
        assert got is not None, both(
            "after backward() through {name}, no gradient reached {arg}: {why}",
            "对 {name} 的结果调用 backward() 后，没有梯度传到 {arg}：{why}",
        ).format(name=name, arg=arg, why=why)
        expect.close(
            got, want, name=both(f"the gradient reaching {arg} through {name}", f"经 {name} 传到 {arg} 的梯度"), why=why
        )


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
        (  # NumPy's default dtype
            both("a float64 NumPy array of shape (3, 5)", "形状为 (3, 5) 的 float64 NumPy 数组"),
            numpy_rng.normal(size=(3, 5)),
        ),
        (
            both("an int64 NumPy array of shape (2, 7)", "形状为 (2, 7) 的 int64 NumPy 数组"),
            numpy_rng.integers(-9, 9, size=(2, 7)),
        ),
        (
            both("a float32 NumPy array of shape (1, 4, 3)", "形状为 (1, 4, 3) 的 float32 NumPy 数组"),
            numpy_rng.normal(size=(1, 4, 3)).astype(np.float32),
        ),
    ]
    seen = yield [data for _, data in cases]
    for (label, data), got in zip(cases, seen, strict=True):
        name = "to_float_tensor(" + label + ")"
        expect.matches(
            got["out"],
            torch.tensor(np.asarray(data), dtype=torch.float32),
            name=name,
            why=both(
                "NumPy arrays are float64 or int64 by default; models use float32, so convert with dtype=torch.float32",
                "NumPy 数组默认是 float64 或 int64，而模型用的是 float32，所以转换时要指定 dtype=torch.float32",
            ),
        )
        assert np.array_equal(np.asarray(got["data_after"]), np.asarray(data)), both(
            "{name} changed its input", "{name} 修改了它的输入"
        ).format(name=name)


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
        expect.requires_grad(
            out, True, name=name, why=both("pass requires_grad=True when creating it", "创建时传入 requires_grad=True")
        )
        assert got["is_leaf"], both(
            f"{name} should create the tensor directly (a leaf), not compute it from another "
            "one: only leaves get their .grad filled by backward()",
            f"{name} 应直接创建张量（叶子张量），而不是由另一个张量计算得到：backward() 只会填充叶子张量的 .grad",
        )
        expect.returned(got["backward"], name=f"({name} * w).sum().backward()")
        expect.close(
            got["grad"],
            w,
            name=both(
                f"{name}.grad after backward() of (t * w).sum()", f"对 (t * w).sum() 调用 backward() 后的 {name}.grad"
            ),
            why=both("the gradient of (t * w).sum() with respect to t is w", "(t * w).sum() 对 t 的梯度是 w"),
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
    # float64 values near 4096 whose bias cancels the large part: float32 keeps them to about 5e-4 only,
    # so a detour through float32 (cast back or not) can never pass for float64 arithmetic
    x = 4096 + torch.randn(5, 4, generator=rng, dtype=torch.float64)
    w = torch.randn(3, 4, generator=rng, dtype=torch.float64)
    cases.append((x, w, torch.randn(3, generator=rng, dtype=torch.float64) - 4096 * w.sum(dim=1)))
    gradient, expected_grads = _gradient_case(
        rng,
        torch.nn.functional.linear,
        [torch.randn(shape, generator=rng, dtype=torch.float64) for shape in ((3, 4), (2, 4), (2,))],
    )
    seen = yield {"cases": cases, "gradient": gradient}
    for (x, w, b), got in zip(cases, seen["cases"], strict=True):
        name = f"linear_forward(x {tuple(x.shape)}, w {tuple(w.shape)}, b {tuple(b.shape)}, {x.dtype})"
        if x.dtype == torch.float64 and x.min() > 4000:
            name = both(f"{name}, x near 4096", f"{name}，x 的值在 4096 附近")
        expect.returned(
            got["out"],
            name=name,
            why=both(
                "x is (batch, in), w is (out, in): multiply x @ w.T (or torch.matmul(x, w.T)), then add b",
                "x 的形状是 (batch, in)，w 的形状是 (out, in)：先计算 x @ w.T（或 torch.matmul(x, w.T)），再加上 b",
            ),
        )
        for arg, given, after in zip("xwb", (x, w, b), got["inputs_after"], strict=True):
            _unchanged(
                given,
                after,
                name,
                both(
                    "use the out-of-place forms (w.T, b.unsqueeze(0) or plain broadcasting): methods ending "
                    "in _ such as unsqueeze_ or t_ change the caller's tensor",
                    "请使用非原地的写法（w.T、b.unsqueeze(0) 或直接广播）：以 _ 结尾的方法（如 unsqueeze_、t_）"
                    "会修改调用者的张量",
                ),
                arg=arg,
            )
        expect.matches(
            got["out"],
            torch.nn.functional.linear(x, w, b),
            name=name,
            why=both(
                "x is (batch, in), w is (out, in): the product is x @ w.T, then add b (it broadcasts); "
                "compute in the inputs' dtype (float32 keeps only about 7 digits of a float64 value)",
                "x 的形状是 (batch, in)，w 的形状是 (out, in)：乘积是 x @ w.T，再加上 b（b 会广播）；"
                "请用输入的 dtype 计算（float32 只能保留 float64 数值的大约 7 位有效数字）",
            ),
        )
    _gradients_flow(
        seen["gradient"],
        expected_grads,
        "linear_forward(x, w, b)",
        ("x", "w", "b"),
        why=both(
            "a layer's output must carry gradients to x, w and b (no .detach(), no torch.no_grad())",
            "一层的输出必须能把梯度传回 x、w 和 b（不要 .detach()，也不要 torch.no_grad()）",
        ),
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
        shape = tuple(x.shape)
        name = both(f"flatten_transposed(x of shape {shape})", f"flatten_transposed(形状为 {shape} 的 x)")
        expect.returned(
            got["out"],
            name=name,
            why=both(
                "x.t() is not contiguous, so view() cannot flatten it: use reshape() or .contiguous().view()",
                "x.t() 在内存中不连续，view() 无法把它展平：请用 reshape() 或 .contiguous().view()",
            ),
        )
        _unchanged(
            x,
            got["x_after"],
            name,
            both(
                "transpose with x.t() (a new view), not x.t_(), which transposes the caller's tensor",
                "用 x.t() 转置（得到一个新视图），不要用 x.t_()，它会转置调用者的张量",
            ),
        )
        expect.matches(
            got["out"],
            x.t().contiguous().view(-1),
            name=name,
            why=both("transpose first, then flatten the rows of xᵀ", "先转置，再把 xᵀ 的各行依次展平"),
        )
    _gradients_flow(
        seen["gradient"],
        expected_grads,
        "flatten_transposed(x)",
        ("x",),
        why=both(
            "reshaping is differentiable: no .detach() and no copy through NumPy",
            "改变形状是可微的：不要 .detach()，也不要经 NumPy 复制",
        ),
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
        shape = tuple(images.shape)
        name = both(
            f"add_channel_dim(images of shape {shape}, {images.dtype})",
            f"add_channel_dim(形状为 {shape} 的 {images.dtype} images)",
        )
        expect.returned(
            got["out"],
            name=name,
            why=both(
                "take the sizes from images.shape (any N, H, W), or let unsqueeze(1) add the axis",
                "尺寸要从 images.shape 中取（N、H、W 可以是任意值），或者直接用 unsqueeze(1) 添加这一维",
            ),
        )
        _unchanged(
            images,
            got["images_after"],
            name,
            both("use unsqueeze(1), not unsqueeze_(1)", "用 unsqueeze(1)，不要用 unsqueeze_(1)"),
        )
        expect.matches(
            got["out"],
            images.unsqueeze(1),
            name=name,
            why=both(
                "the channel axis goes at position 1, for any N, H and W: unsqueeze(1)",
                "无论 N、H、W 是多少，通道维都应位于第 1 维：unsqueeze(1)",
            ),
        )
    _gradients_flow(
        seen["gradient"],
        expected_grads,
        "add_channel_dim(images)",
        ("images",),
        why=both("adding an axis is differentiable: no .detach()", "增加一维是可微的：不要 .detach()"),
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
            why=both(
                "batches of different sizes join along dim=0 with torch.cat; torch.stack needs equal sizes",
                "大小不同的批次要用 torch.cat 沿 dim=0 拼接；torch.stack 要求各批次大小相同",
            ),
        )
        for arg, given, after in zip("ab", (a, b), got["inputs_after"], strict=True):
            _unchanged(
                given, after, name, both("build a new tensor with torch.cat", "用 torch.cat 构造一个新张量"), arg=arg
            )
        expect.matches(
            got["out"],
            torch.cat([a, b]),
            name=name,
            why=both("samples are rows, so join along dim=0", "每个样本是一行，所以要沿 dim=0 拼接"),
        )
    _gradients_flow(
        seen["gradient"],
        expected_grads,
        "join_batches(a, b)",
        ("a", "b"),
        why=both(
            "torch.cat is differentiable: each input gets its own rows' gradient",
            "torch.cat 是可微的：每个输入都会得到它自己那几行的梯度",
        ),
    )


def test_to_labels(rng):
    """to_labels converts class numbers of any shape to int64 labels
    to_labels 把任意形状的类别编号转换为 int64 标签"""
    cases = [
        torch.randint(0, 10, (4,), generator=rng).float(),
        torch.randint(0, 10, (2, 3), generator=rng).double(),  # float64 class numbers
        torch.randint(0, 5, (2, 4, 5), generator=rng).float(),  # a per-pixel map of classes
        torch.randint(0, 5, (1, 3, 4), generator=rng).float(),  # a batch of one map: squeeze() would drop N
        torch.randint(0, 10, (3, 1), generator=rng).float(),  # a column of labels: squeeze(-1) would drop it
    ]
    on_gpu = torch.randint(0, 10, (5,), generator=rng).float()  # handed to to_labels as a stand-in GPU tensor
    seen = yield {"cases": cases, "stand_in": on_gpu}
    got = seen["stand_in"]
    name = both(
        "to_labels(class numbers on a stand-in GPU, device {device!r})",
        "to_labels(位于替身 GPU（设备 {device!r}）上的类别编号)",
    ).format(device=STAND_IN)
    expect.returned(got["out"], name=name)
    assert got["device"] == STAND_IN, both(
        "{name} returned labels on the device {got!r}: convert the dtype only, with .long() or .to(torch.int64), "
        "which keep the device; x.type(torch.LongTensor) names a CPU tensor type and copies GPU labels to the CPU, "
        "where a loss on the GPU cannot use them",
        "{name} 返回的标签位于设备 {got!r}：只转换 dtype，请用 .long() 或 .to(torch.int64)，它们会保留设备；"
        "x.type(torch.LongTensor) 指定的是 CPU 上的张量类型，会把 GPU 上的标签复制到 CPU，GPU 上的损失就用不了它们",
    ).format(name=name, got=got["device"])
    expect.matches(got["out"], on_gpu.long(), name=name)
    for x, got in zip(cases, seen["cases"], strict=True):
        shape = tuple(x.shape)
        name = both(
            f"to_labels(class numbers of shape {shape}, {x.dtype})", f"to_labels(形状为 {shape} 的 {x.dtype} 类别编号)"
        )
        expect.returned(got["out"], name=name)
        _unchanged(x, got["x_after"], name, both("convert into a new tensor", "转换成一个新张量"))
        expect.matches(
            got["out"],
            x.to(torch.int64),
            name=name,
            why=both(
                "class labels are int64 (.long(), not .int(), which is int32) and keep their shape: "
                "an (N, H, W) map of classes stays (N, H, W), a batch of one and an (N, 1) column too (no squeeze())",
                "类别标签是 int64（用 .long()，不要用 .int()，后者得到 int32），并保持原来的形状："
                "(N, H, W) 的类别图仍是 (N, H, W)，只有一个样本的批次和 (N, 1) 的一列也一样（不要 squeeze()）",
            ),
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
        # tiny positives (1e-30 up to 1e-7) are positive too: a tolerance such as x > 1e-6 is another mask
        _with_zeros(rng, (9,), torch.float32, lambda n: 10 ** -(torch.rand(n, generator=rng) * 23 + 7)),
    ]
    seen = yield cases
    for x, got in zip(cases, seen, strict=True):
        shape = tuple(x.shape)
        name = both(f"positive_mask(x of shape {shape}, {x.dtype})", f"positive_mask(形状为 {shape} 的 {x.dtype} x)")
        expect.returned(got["out"], name=name)
        _unchanged(x, got["x_after"], name, both("compare into a new tensor", "比较的结果应是一个新张量"))
        expect.matches(
            got["out"],
            x > 0,
            name=name,
            why=both(
                "a comparison such as x > 0 gives a bool tensor; 0 is not positive, and 1e-8 is",
                "x > 0 这样的比较会得到 bool 张量；0 不是正数，1e-8 是正数",
            ),
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
    use_to = both("use x.to(device)", "请用 x.to(device)")
    keep_dtype = both("moving must not change the dtype", "移动设备不应改变 dtype")
    for x_case, got in zip(cases, seen["cases"], strict=True):
        shape = tuple(x_case.shape)
        label = both(f"x of shape {shape}, {x_case.dtype}", f"形状为 {shape} 的 {x_case.dtype} x")
        # the meta device exists everywhere and holds no data
        name = "move_to(" + label + ', "meta")'
        expect.device(got["on_meta"], "meta", name=name, why=use_to)
        expect.shape(got["on_meta"], x_case.shape, name=name)
        expect.dtype(got["on_meta"], x_case.dtype, name=name, why=keep_dtype)
        name = "move_to(" + label + f", {target!r})"
        # compared piece by piece: the judge never touches an accelerator itself
        expect.device(got["on_device"], device, name=name, why=use_to)
        expect.dtype(got["on_device"], x_case.dtype, name=name, why=keep_dtype)
        expect.close(got["on_device"], x_case, name=name)
    got = seen["gradient"]
    cut = both(
        "x.to(device) stays in x's graph; torch.tensor(x, ...), x.detach() and a move under torch.no_grad() "
        "copy the values but cut the graph, so nothing would reach the weights",
        "x.to(device) 仍在 x 的计算图中；torch.tensor(x, ...)、x.detach() 以及在 torch.no_grad() 下移动，"
        "虽然复制了数值，却切断了计算图，梯度就传不到权重了",
    )
    name = both('move_to(x that requires grad, "meta")', 'move_to(需要梯度的 x, "meta")')
    expect.returned(got["on_meta"], name=name)
    expect.requires_grad(got["on_meta"], True, name=name, why=cut)
    name = both(f"move_to(x that requires grad, {target!r})", f"move_to(需要梯度的 x, {target!r})")
    expect.returned(got["moved"], name=name)
    expect.requires_grad(got["moved"], True, name=name, why=cut)
    expect.returned(
        got["backward"],
        name=both("backward() through the result of {name}", "对 {name} 的结果调用 backward()").format(name=name),
    )
    assert got["grad"] is not None, both(
        "after backward() through move_to's result, x.grad is still None: the graph was cut",
        "对 move_to 的结果调用 backward() 后，x.grad 仍为 None：计算图被切断了",
    )
    expect.close(
        got["grad"],
        upstream,
        name=both("x.grad after backward() through move_to's result", "对 move_to 的结果调用 backward() 后的 x.grad"),
        why=both(
            "moving is not a computation: the gradient should reach x unchanged",
            "移动设备不是一种计算：梯度应原样传回 x",
        ),
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
    # the first call again: the same seed must give the same tensors (a generator kept between calls would not)
    cases.append({**cases[0], "global_seed": int(torch.randint(2**31 - 1, (1,), generator=rng))})
    seen = yield cases
    for index, (case, got) in enumerate(zip(cases, seen, strict=True)):
        shape, seed = case["shape"], case["seed"]
        call = f"random_tensors({shape}, seed={seed})"
        again = index == len(cases) - 1
        name = both(f"{call}, called a second time", f"第二次调用的 {call}") if again else call
        # a repeated call that differs has kept its generator between calls
        repeat = (
            both(
                ". The same seed must give the same tensors on every call: create the generator inside "
                "the function each time instead of keeping one between calls",
                "。相同的 seed 每次调用都必须给出相同的张量：请在函数内每次新建生成器，不要在两次调用之间保留同一个生成器",
            )
            if again
            else both("", "")
        )
        out = expect.returned(got["out"], name=name)
        assert torch.equal(got["global_state"], torch.Generator().manual_seed(case["global_seed"]).get_state()), both(
            "{name} changed the global random state: torch.manual_seed (or an unseeded torch.rand) inside it "
            "changes the randomness of every other part of the program. Create "
            "torch.Generator().manual_seed(seed) and pass generator=... to torch.rand and torch.randn",
            "{name} 改动了全局随机数状态：在函数内调用 torch.manual_seed（或不传生成器的 torch.rand）"
            "会影响程序中所有其他地方的随机性。请创建 torch.Generator().manual_seed(seed)，"
            "并把 generator=... 传给 torch.rand 和 torch.randn",
        ).format(name=name)
        assert isinstance(out, (tuple, list)) and len(out) == 2, both(
            "{name} should return a pair (uniform, normal), got {kind}",
            "{name} 应返回一对张量 (uniform, normal)，实际返回的是 {kind}",
        ).format(name=name, kind=_kind(out))
        generator = torch.Generator().manual_seed(seed)
        want_uniform = torch.rand(shape, generator=generator)
        want_normal = torch.randn(shape, generator=generator)
        uniform, normal = out
        expect.matches(
            uniform,
            want_uniform,
            name=both("the uniform tensor of {name}", "{name} 的均匀分布张量").format(name=name),
            why=both(
                "draw it first, with torch.rand(shape, generator=g) from a generator seeded with seed "
                "(values in [0, 1); torch.randn would give normal values)",
                "先生成它：用以 seed 为种子的生成器调用 torch.rand(shape, generator=g)"
                "（取值在 [0, 1) 内；torch.randn 给出的是正态分布的值）",
            )
            + repeat,
        )
        expect.matches(
            normal,
            want_normal,
            name=both("the normal tensor of {name}", "{name} 的正态分布张量").format(name=name),
            why=both(
                "draw it second, with torch.randn(shape, generator=g) from the same generator: a second "
                "generator seeded again would start the stream over",
                "接着用同一个生成器调用 torch.randn(shape, generator=g) 生成它：若再用同一种子新建一个生成器，"
                "随机数序列会从头开始",
            )
            + repeat,
        )
