"""Judge halves of the autograd checks (exercise halves: exercise_autograd.py). Each docstring:
English title, then Chinese title. Inputs come from `rng`; expectations are worked out here by hand
or by trusted torch code, on the values the child observed."""

import numpy as np
import torch

from grader import expect
from grader.bilingual import Text, both
from grader.observations import Raised
from grader.stand_in import STAND_IN

# The scalar functions by the name the exercise half knows them, with their derivatives worked out
# by hand (None: only checked against finite differences).
_FUNCTIONS = {
    "f(t) = (t ** 2).sum()": (lambda t: (t**2).sum(), lambda x: 2 * x),
    "f(t) = t.sin().sum()": (lambda t: t.sin().sum(), lambda x: x.cos()),
    "f(t) = (t * 3).mean()": (lambda t: (t * 3).mean(), lambda x: torch.full_like(x, 3 / x.numel())),
    "f(t) = (t ** 3).sum()": (lambda t: (t**3).sum(), lambda x: 3 * x**2),
    "f(t) = (t.sin() * t).sum() + (t ** 3).mean() + t.exp().sum().log()": (
        lambda t: (t.sin() * t).sum() + (t**3).mean() + t.exp().sum().log(),
        None,
    ),
}
_ANALYTIC = ("f(t) = (t ** 2).sum()", "f(t) = t.sin().sum()", "f(t) = (t * 3).mean()")


def _central_differences(f, x, eps=1e-6):
    """The gradient of scalar f at x (float64) by central differences, one coordinate at a time."""
    x = x.clone()
    grad = torch.zeros_like(x)
    flat_x, flat_g = x.view(-1), grad.view(-1)
    for i in range(flat_x.numel()):
        saved = flat_x[i].item()
        flat_x[i] = saved + eps
        up = f(x).item()
        flat_x[i] = saved - eps
        down = f(x).item()
        flat_x[i] = saved
        flat_g[i] = (up - down) / (2 * eps)
    return grad


def _unchanged(state, values, requires_grad, grad, name: Text, who: Text) -> None:
    """Assert that learner code `who` left the caller's tensor as it was: `state` is what the child saw
    afterwards (values, requires_grad, grad), the rest what the caller had before the call. In Chinese,
    `who` ends in a call and `name` starts with Chinese words (调用者的 x)."""
    if state["requires_grad"] is not requires_grad:
        raise AssertionError(
            both(
                "{who} changed requires_grad of {name} (expected {want}, got {got}): work "
                "on a private copy, x.detach().clone().requires_grad_(), instead of the caller's tensor",
                "{who} 改动了{name}：requires_grad 应为 {want}，实际变成了 {got}。"
                "请在私有副本 x.detach().clone().requires_grad_() 上操作，不要动调用者的张量",
            ).format(who=who, name=name, want=requires_grad, got=state["requires_grad"])
        )
    if not torch.equal(state["values"], values):
        raise AssertionError(
            both(
                "{who} changed the values of {name}: work on a copy (x.detach().clone())",
                "{who} 改动了{name}：它的数值变了。请在副本（x.detach().clone()）上操作",
            ).format(who=who, name=name)
        )
    if grad is None and state["grad"] is not None:
        raise AssertionError(
            both(
                "{who} left a .grad on {name} (expected None): backward() reached the caller's tensor; differentiate "
                "a private leaf made with detach().clone()",
                "{who} 改动了{name}：它的 .grad 应为 None，现在却有值。backward() 传到了调用者的张量上；"
                "请对用 detach().clone() 新建的私有叶子张量求导",
            ).format(who=who, name=name)
        )
    if grad is not None and (state["grad"] is None or not torch.equal(state["grad"], grad)):
        raise AssertionError(
            both(
                "{who} changed {name}.grad (expected it to keep its old values): backward() reached the caller's "
                "tensor; detach() it before requires_grad_(), or use torch.autograd.grad on a private leaf",
                "{who} 改动了{name}：它的 .grad 应保持原值不变。backward() 传到了调用者的张量上；"
                "请先 detach() 再 requires_grad_()，或者对私有叶子张量使用 torch.autograd.grad",
            ).format(who=who, name=name)
        )


def test_gradient_analytic(rng):
    """gradient matches the derivatives worked out by hand, for several shapes and dtypes
    gradient 与手算的导数一致（多种形状与 dtype）"""
    points = [
        torch.randn(shape, generator=rng, dtype=dtype)
        for shape, dtype in (
            ((2, 3), torch.float32),
            ((5,), torch.float64),
            ((3, 1, 4), torch.float32),
            ((), torch.float64),
        )
    ]
    cases = [{"x": x, "f": label} for x in points for label in _ANALYTIC]
    seen = yield cases
    for case, calls in zip(cases, seen, strict=True):
        x, label = case["x"], case["f"]
        expected = _FUNCTIONS[label][1](x)
        shape = tuple(x.shape)
        for (attempt, ordinal), got in zip((("first", "第一"), ("second", "第二")), calls, strict=True):
            name = both(
                f"gradient({label}, x of shape {shape}, {x.dtype}), {attempt} call",
                f"{ordinal}次调用 gradient({label}, 形状为 {shape} 的 {x.dtype} x)",
            )
            _unchanged(got["x"], x, False, None, both("the caller's x", "调用者的 x"), name)
            expect.matches(
                got["out"],
                expected,
                name=name,
                why=both(
                    "call backward() once on f of a fresh leaf made from x (same shape and dtype) and read that "
                    "leaf's .grad; a second call giving a different answer means gradients from an earlier call "
                    "were added in",
                    "用 x 新建一个叶子张量（形状和 dtype 都相同），对它算出的 f 调用一次 backward()，再读取这个"
                    "叶子张量的 .grad；第二次调用结果不同，说明之前调用的梯度被累加了进来",
                ),
            )


def test_gradient_finite_differences(rng):
    """gradient agrees with finite differences in float64
    gradient 与 float64 下的有限差分结果一致"""
    label = "f(t) = (t.sin() * t).sum() + (t ** 3).mean() + t.exp().sum().log()"
    x = torch.randn(3, 5, generator=rng, dtype=torch.float64)
    out = yield {"x": x, "f": label}
    expected = _central_differences(_FUNCTIONS[label][0], x)
    expect.matches(
        out,
        expected,
        name=both(
            "gradient(f, x) for a float64 x of shape (3, 5)", "gradient(f, x)（x 是形状为 (3, 5) 的 float64 张量）"
        ),
        rtol=1e-5,
        atol=1e-6,
        why=both(
            "the gradient must come from autograd on f itself, in x's own dtype (float64 here)",
            "梯度必须由自动求导对 f 本身求出，并使用 x 自己的 dtype（这里是 float64）",
        ),
    )


def test_gradient_leaves_input_alone(rng):
    """gradient does not change the caller's tensor, its requires_grad or its .grad
    gradient 不改动调用者的张量、它的 requires_grad 和 .grad"""
    inputs = {
        "plain": torch.randn(5, generator=rng),
        "param": torch.randn(4, 3, generator=rng),
        "param_grad": torch.full((4, 3), 7.0),  # an old gradient that belongs to the caller
        "source": torch.randn(6, generator=rng),
    }
    seen = yield inputs

    plain = seen["plain"]
    expect.close(
        plain["out"],
        2 * inputs["plain"],
        name=both("gradient(f, x) for an x without requires_grad", "gradient(f, x)（x 的 requires_grad=False）"),
    )
    _unchanged(
        plain["x"],
        inputs["plain"],
        False,
        None,
        both("the caller's x (requires_grad=False)", "调用者的 x（requires_grad=False）"),
        "gradient(f, x)",
    )

    param = seen["param"]
    leaf = both("gradient(f, x) for a leaf x that requires grad", "gradient(f, x)（x 是需要梯度的叶子张量）")
    expect.returned(param["out"], name=leaf)
    if param["out"] is None:
        raise AssertionError(
            both(
                "{leaf} returned None: only a leaf gets a .grad, and x.clone() "
                "of an x that requires grad is not a leaf (it is part of x's graph); make the private leaf with "
                "x.detach().clone().requires_grad_()",
                "{leaf}返回了 None：只有叶子张量才会得到 .grad，而对需要梯度的 x 调用 x.clone() 得到的不是叶子张量"
                "（它属于 x 的计算图）；请用 x.detach().clone().requires_grad_() 新建私有的叶子张量",
            ).format(leaf=leaf)
        )
    expect.close(
        param["out"],
        3 * inputs["param"] ** 2,
        name=both(
            "gradient(f, x) for a leaf x that requires grad and holds a .grad",
            "gradient(f, x)（x 是需要梯度且已有 .grad 的叶子张量）",
        ),
        why=both(
            "make a private leaf with x.detach().clone().requires_grad_() and read its .grad: "
            "x.clone() without detach() is not a leaf, so its .grad stays None and backward() "
            "reaches the caller's x",
            "用 x.detach().clone().requires_grad_() 新建私有的叶子张量，再读取它的 .grad：不经 detach() 的 "
            "x.clone() 不是叶子张量，它的 .grad 会一直是 None，而且 backward() 会传到调用者的 x 上",
        ),
    )
    _unchanged(
        param["x"],
        inputs["param"],
        True,
        inputs["param_grad"],
        both("the caller's x (a leaf with a .grad)", "调用者的 x（带 .grad 的叶子张量）"),
        "gradient(f, x)",
    )

    computed = seen["computed"]
    expect.close(
        computed["out"],
        torch.cos(inputs["source"] * 2),
        name=both(
            "gradient(f, x) for an x computed from another tensor (not a leaf)",
            "gradient(f, x)（x 由另一个张量计算得到，不是叶子张量）",
        ),
        why=both(
            "detach() x first, so the gradient is taken at x and stops there",
            "先对 x 调用 detach()，这样梯度就在 x 处求出，并止于 x",
        ),
    )
    if computed["source"]["grad"] is not None:
        raise AssertionError(
            both(
                "gradient(f, x) for x = source * 2 put a gradient into source.grad (expected None): backward() ran "
                "through the caller's graph; detach() x before making your own leaf",
                "gradient(f, x)（x = source * 2）把梯度写进了 source.grad（应为 None）：backward() 穿过了调用者的"
                "计算图；请先对 x 调用 detach()，再新建自己的叶子张量",
            )
        )


def _mse_gradient(w, batch):
    """d/dw of mean((X @ w - Y)²) worked out by hand."""
    inputs, targets = batch
    return 2 / targets.numel() * inputs.T @ (inputs @ w - targets)


def test_per_batch_gradients(rng):
    """per_batch_gradients gives each batch's own gradient, even when w.grad starts non-empty
    per_batch_gradients 给出每个批次各自的梯度，即使 w.grad 一开始不为空"""
    cases = []
    for features, outputs, sizes, dtype, old_grad in (
        (3, 1, (4, 4, 4), torch.float32, True),
        (5, 2, (3, 7, 1, 2), torch.float64, True),
        (4, 3, (2, 5, 3), torch.float32, False),  # a fresh parameter: w.grad is None
    ):
        w = torch.randn(features, outputs, generator=rng, dtype=dtype)
        batches = [
            (torch.randn(n, features, generator=rng, dtype=dtype), torch.randn(n, outputs, generator=rng, dtype=dtype))
            for n in sizes
        ]
        # w.grad holds an old gradient left over from somewhere else, or none at all
        cases.append({"w": w, "w_grad": torch.full_like(w, 100.0) if old_grad else None, "batches": batches})
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        w, batches = case["w"], case["batches"]
        sizes = [len(inputs) for inputs, _ in batches]
        # in float64, so that float32 rounding in the learner's autograd is within the tolerance
        expected = [_mse_gradient(w.double(), (x.double(), y.double())).to(w.dtype) for x, y in batches]
        shape = tuple(w.shape)
        label = both(
            f"per_batch_gradients(loss_fn, w of shape {shape}, {len(sizes)} batches of {sizes} rows)",
            f"per_batch_gradients(loss_fn, 形状为 {shape} 的 w, {len(sizes)} 个分别有 {sizes} 行的批次)",
        )
        fresh = case["w_grad"] is None
        out = expect.returned(
            got["out"],
            name=label + (both(" with w.grad None", "（w.grad 为 None）") if fresh else ""),
            why=both(
                "w.grad may hold an old gradient or be None (a fresh parameter): check for None before "
                "w.grad.zero_(), or simply set w.grad = None",
                "w.grad 可能存着旧梯度，也可能是 None（新建的参数）：调用 w.grad.zero_() 之前先判断是否为 None，"
                "或者直接设 w.grad = None",
            )
            if fresh
            else "",
        )
        if not isinstance(out, list) or len(out) != len(batches):
            length = got["out_len"] if got["out_len"] is not None else "?"
            raise AssertionError(
                both(
                    "{label} should return a list with one gradient per batch ({count}), got {kind} of length {length}",
                    "{label} 应返回一个列表，每个批次一个梯度（共 {count} 个），实际得到的是长度为 {length} 的 {kind}",
                ).format(label=label, count=len(batches), kind=got["out_type"], length=length)
            )
        why_shape = both("a gradient has the shape of w", "梯度的形状与 w 相同")
        for i, (entry, want) in enumerate(zip(out, expected)):
            name = both("gradient {i} of {label}", "{label} 的第 {i} 个梯度").format(i=i, label=label)
            expect.is_tensor(entry, name=name)
            expect.shape(entry, want.shape, name=name, why=why_shape)
            entry = entry.to(want.dtype)
            if i == 0 and torch.allclose(entry, want + 100.0, atol=1e-4):
                raise AssertionError(
                    both(
                        "{name} is the true gradient plus the old 100.0 already in w.grad: backward() adds into "
                        ".grad, so clear it first (w.grad = None or w.grad.zero_())",
                        "{name}等于真实梯度加上 w.grad 里原有的 100.0：backward() 会把梯度累加到 .grad 上，"
                        "所以要先清空它（w.grad = None 或 w.grad.zero_()）",
                    ).format(name=name)
                )
            if i > 0 and torch.allclose(entry, sum(expected[: i + 1]), atol=1e-4):
                raise AssertionError(
                    both(
                        "{name} equals the sum of the gradients of batches 0..{i}: backward() adds into .grad, "
                        "so clear w.grad before each batch",
                        "{name}等于第 0 到第 {i} 个批次的梯度之和：backward() 会把梯度累加到 .grad 上，"
                        "所以每个批次之前都要清空 w.grad",
                    ).format(name=name, i=i)
                )
            if i < len(out) - 1 and torch.allclose(entry, expected[-1], atol=1e-4):
                raise AssertionError(
                    both(
                        "{name} equals the last batch's gradient: you stored w.grad itself and later zeroed it "
                        "in place (zero_()), which changed the stored tensor too; store w.grad.clone(), or set "
                        "w.grad = None instead of zeroing",
                        "{name}等于最后一个批次的梯度：你保存的是 w.grad 本身，之后又用 zero_() 原地清零，"
                        "已保存的张量也被一起改掉了。请保存 w.grad.clone()，或改用 w.grad = None 清空梯度",
                    ).format(name=name)
                )
        for i, (entry, want) in enumerate(zip(out, expected)):
            expect.matches(
                entry,
                want,
                name=both(
                    "gradient {i} of {label} (of batch {i} alone)", "{label} 的第 {i} 个梯度（只属于第 {i} 个批次）"
                ).format(i=i, label=label),
                atol=1e-5,
                rtol=1e-5 if w.dtype == torch.float32 else None,
                why=both(
                    "each entry is the gradient of that batch's loss only, in w's dtype",
                    "每一项只是对应批次的损失的梯度，dtype 与 w 相同",
                ),
            )
        state = got["w"]
        if not torch.equal(state["values"], w) or not (state["is_leaf"] and state["requires_grad"]):
            raise AssertionError(
                both(
                    "{label} changed w itself: it should only read gradients, not update w",
                    "{label} 改动了 w 本身：它只应读取梯度，不应更新 w",
                ).format(label=label)
            )
        if not all(
            torch.equal(t, s)
            for batch, saved in zip(got["batches"], batches, strict=True)
            for t, s in zip(batch, saved, strict=True)
        ):
            raise AssertionError(
                both(
                    "{label} changed the caller's batches: leave the inputs as they were",
                    "{label} 改动了调用者的批次数据：请保持输入不变",
                ).format(label=label)
            )


def _descent_problem(rng, shape, dtype):
    """f(x) = Σ a·(x − c)² + 0.1·Σ x⁴ (built by the exercise half from a and c) and a start x0.

    x0 stays in [-2, 2], where the quartic term keeps every step of lr ≤ 0.05 stable."""
    return {
        "a": torch.rand(shape, generator=rng, dtype=dtype) + 0.5,
        "c": torch.randn(shape, generator=rng, dtype=dtype),
        "x0": torch.rand(shape, generator=rng, dtype=dtype) * 4 - 2,
    }


def _descent_gradient(problem, x):
    """∇f worked out by hand."""
    return 2 * problem["a"] * (x - problem["c"]) + 0.4 * x**3


def _descent_paths(problem):
    """Where x ends after the problem's steps: the right path, and the path when x.grad is never cleared."""
    lr, x0 = problem["lr"], problem["x0"]
    x, accumulated, kept = x0.clone(), x0.clone(), torch.zeros_like(x0)
    for _ in range(problem["steps"]):
        x = x - lr * _descent_gradient(problem, x)
        kept = kept + _descent_gradient(problem, accumulated)
        accumulated = accumulated - lr * kept
    return x, accumulated


def _descent_result(out, name: Text):
    """What gradient_descent returned, or a teaching failure for what it raised."""
    if isinstance(out, Raised) and out.type == "RuntimeError":
        text = out.message.splitlines()[0] if out.message else ""
        # which hint fits: autograd's own words for a graph reused after x changed or was freed
        if "inplace" in text or "in-place" in text or "second time" in text:
            raise AssertionError(
                both(
                    f"gradient_descent raised {text[:120]!r}: a graph records the x it was built from, so it cannot "
                    "serve the next step; call f(x) again inside the loop (a new graph every step), backward() that, "
                    "and update x under torch.no_grad()",
                    f"gradient_descent 抛出了 RuntimeError: {text[:120].rstrip('.')}。计算图记录的是构建它时的 x，不能再用于下一步；"
                    "请在循环里重新调用 f(x)（每一步都新建计算图），对它调用 backward()，并在 torch.no_grad() 下更新 x",
                )
            )
    return expect.returned(out, name=name)


def test_gradient_descent_path(rng):
    """gradient_descent follows x ← x − lr·∇f(x), recomputing the gradient at each new x
    gradient_descent 按 x ← x − lr·∇f(x) 更新，并在每个新的 x 处重新计算梯度"""
    cases = []
    for shape, dtype, lr, step_counts in (((5,), torch.float64, 0.05, (1, 2, 15)), ((2, 3), torch.float32, 0.03, (4,))):
        problem = _descent_problem(rng, shape, dtype)
        cases += [{**problem, "lr": lr, "steps": steps} for steps in step_counts]
    seen = yield cases
    for problem, out in zip(cases, seen, strict=True):
        x0, lr, steps = problem["x0"], problem["lr"], problem["steps"]
        x, accumulated = _descent_paths(problem)
        shape = tuple(x0.shape)
        name = both(
            f"gradient_descent(f, x0 of shape {shape} in {x0.dtype}, lr={lr}, steps={steps})",
            f"gradient_descent(f, 形状为 {shape} 的 {x0.dtype} x0, lr={lr}, steps={steps})",
        )
        out = _descent_result(out, name)
        expect.is_tensor(out, name=name)
        expect.shape(out, x.shape, name=name, why=both("x has the shape of x0", "x 的形状与 x0 相同"))
        expect.dtype(
            out,
            x0.dtype,
            name=name,
            why=both(
                "keep x0's dtype: start from x0.detach().clone()", "保持 x0 的 dtype：从 x0.detach().clone() 开始"
            ),
        )
        if steps > 1 and torch.allclose(out, accumulated, rtol=1e-4, atol=1e-6):
            raise AssertionError(
                both(
                    "{name}: x ended where it would be if the gradients of all earlier steps were added up: "
                    "backward() adds into x.grad, so clear it every step (x.grad = None or x.grad.zero_())",
                    "{name}：x 最终停在了把之前所有步的梯度都累加起来才会到达的位置。backward() 会把梯度累加到 "
                    "x.grad 上，所以每一步都要清空它（x.grad = None 或 x.grad.zero_()）",
                ).format(name=name)
            )
        # float64 steps repeat the judge's path to ~1e-15 (each step contracts errors), while any detour
        # through float32 starts ~1e-8 away: x0 itself does not fit in float32
        if x0.dtype == torch.float64 and not torch.allclose(out, x, rtol=1e-10, atol=1e-12):
            assert not torch.allclose(out, x, rtol=1e-5, atol=1e-6), both(
                "{name} is off by about float32's precision: keep x in x0's dtype (float64 here) for the whole "
                "descent; a .float() copy, cast back or not, loses float64's digits",
                "{name} 的误差大约是 float32 的精度：整个下降过程中 x 都要保持 x0 的 dtype（这里是 float64）；"
                "用 .float() 得到的副本，不管最后有没有转回来，都会丢失 float64 的有效数字",
            ).format(name=name)
        expect.close(
            out,
            x,
            name=name,
            rtol=1e-5 if x0.dtype == torch.float32 else 1e-10,
            atol=None if x0.dtype == torch.float32 else 1e-12,
            why=both(
                "each step needs a fresh forward pass f(x) at the current x, then backward(), then the update "
                "under torch.no_grad(); the graph of an earlier step describes an old x",
                "每一步都要在当前的 x 上重新做一次前向计算 f(x)，然后 backward()，再在 torch.no_grad() 下更新；"
                "之前某一步的计算图描述的是旧的 x",
            ),
        )


def test_gradient_descent_returns_plain_tensor(rng):
    """gradient_descent leaves x0 alone and returns a tensor that does not require grad
    gradient_descent 不修改 x0，并返回一个不需要梯度的张量"""
    cases = [
        {**_descent_problem(rng, (3,), torch.float64), "lr": 0.05, "steps": 3, "requires_grad": requires_grad}
        for requires_grad in (False, True)
    ]
    seen = yield cases
    result = both("the result of gradient_descent", "gradient_descent 的结果")
    for case, got in zip(cases, seen, strict=True):
        out = _descent_result(got["out"], "gradient_descent(f, x0, lr, steps)")
        expect.requires_grad(
            out,
            False,
            name=result,
            why=both(
                "return x.detach(): the caller wants values, not a leaf still tracked by autograd",
                "返回 x.detach()：调用者要的是数值，而不是仍被自动求导跟踪的叶子张量",
            ),
        )
        requires_grad = case["requires_grad"]
        _unchanged(
            got["x0"],
            case["x0"],
            requires_grad,
            None,
            both(f"the caller's x0 (requires_grad={requires_grad})", f"调用者的 x0（requires_grad={requires_grad}）"),
            "gradient_descent(f, x0, lr, steps)",
        )
        # loosely: test_gradient_descent_path judges the path itself and names its mistakes
        steps = case["steps"]
        expect.close(
            out,
            _descent_paths(case)[0],
            name=result,
            rtol=1e-4,
            atol=1e-6,
            why=both(
                f"it should be where {steps} steps of x ← x − lr·∇f(x) from x0 lead",
                f"它应是从 x0 出发、按 x ← x − lr·∇f(x) 走 {steps} 步后到达的位置",
            ),
        )


def _small_model_weights(rng):
    """The parameters of Linear(4, 8) → Tanh → Linear(8, 2), scaled like PyTorch's default init."""
    return {
        "0.weight": (torch.rand(8, 4, generator=rng) - 0.5),
        "0.bias": (torch.rand(8, generator=rng) - 0.5),
        "2.weight": (torch.rand(2, 8, generator=rng) - 0.5) * 0.7,
        "2.bias": (torch.rand(2, generator=rng) - 0.5) * 0.7,
    }


def _small_model_output(weights, x):
    hidden = torch.tanh(torch.nn.functional.linear(x, weights["0.weight"], weights["0.bias"]))
    return torch.nn.functional.linear(hidden, weights["2.weight"], weights["2.bias"])


def test_predict_no_grad(rng):
    """predict runs the forward pass with gradient tracking off
    predict 在关闭梯度跟踪的情况下执行前向计算"""
    weights = _small_model_weights(rng)
    cases = [
        {"x": torch.randn(rows, 4, generator=rng), "requires_grad": requires_grad}
        for rows, requires_grad in ((6, False), (3, True))
    ]
    seen = yield {"weights": weights, "cases": cases}
    for case, got in zip(cases, seen, strict=True):
        x, requires_grad = case["x"], case["requires_grad"]
        name = both(
            f"predict(model, x of {len(x)} rows, x.requires_grad={requires_grad})",
            f"predict(model, {len(x)} 行的 x, x.requires_grad={requires_grad})",
        )
        expect.matches(
            got["out"], _small_model_output(weights, x), name=name, why=both("return model(x)", "返回 model(x)")
        )
        assert got["grad_mode_inside"], both(
            "{name} never called the model (its forward hook did not fire): call model(x)",
            "{name} 没有调用模型（模型的前向钩子没有触发）：请调用 model(x)",
        ).format(name=name)
        assert not any(got["grad_mode_inside"]), both(
            "in {name} the model's forward pass ran with gradient tracking on (expected torch.is_grad_enabled() "
            "== False inside the model, got True): wrap the call in `with torch.no_grad():` rather than detaching "
            "the output afterwards, which still builds the whole graph",
            "在 {name} 中，模型前向计算时梯度跟踪仍处于开启状态（模型内部 torch.is_grad_enabled() 应为 False，"
            "实际为 True）：请把调用放进 `with torch.no_grad():`；事后再对输出 detach 仍会构建整张计算图",
        ).format(name=name)
        expect.requires_grad(got["out"], False, name=name)
        assert got["grad_after"], both(
            "after {name} returned, gradient tracking was still off for all later code (expected "
            "torch.is_grad_enabled() == True, as before the call): use the `with torch.no_grad():` block, which "
            "puts it back",
            "{name} 返回后，梯度跟踪对之后的所有代码仍处于关闭状态（torch.is_grad_enabled() 应与调用前一样为 "
            "True）：请使用 `with torch.no_grad():` 代码块，它结束时会恢复原来的模式",
        ).format(name=name)
        assert got["param_grads_none"], both(
            "predict should not run backward() or touch .grad", "predict 不应调用 backward()，也不应改动 .grad"
        )
        assert got["params_require_grad"], both(
            "after {name} the model's parameters no longer require grad: model.requires_grad_(False) freezes the "
            "caller's model for good, so training after this prediction would stop learning; `with "
            "torch.no_grad():` alone switches tracking off for the call only",
            "{name} 之后，模型的参数不再需要梯度：model.requires_grad_(False) 会永久冻结调用者的模型，"
            "这次预测之后的训练就学不到东西了；只用 `with torch.no_grad():` 就只在这次调用中关闭梯度跟踪",
        ).format(name=name)
        _unchanged(got["x"], x, requires_grad, None, both("x", "传入的 x"), name)


def test_predict_restores_grad_mode(rng):
    """predict leaves gradient tracking as it was, also when it was already off
    predict 结束后梯度跟踪恢复原状（调用前已关闭时也是如此）"""
    weights = _small_model_weights(rng)
    x = torch.randn(5, 4, generator=rng)
    got = yield {"weights": weights, "x": x}
    expect.close(
        got["out"],
        _small_model_output(weights, x),
        name=both(
            "predict(model, x) called inside `with torch.no_grad():`",
            "在 `with torch.no_grad():` 中调用的 predict(model, x)",
        ),
    )
    assert not got["grad_after"], both(
        "predict(model, x) called inside the caller's `with torch.no_grad():` switched gradient tracking back on "
        "(expected torch.is_grad_enabled() == False after it returned, as before the call): restore the mode that "
        "was there, which `with torch.no_grad():` does by itself; set_grad_enabled(True) at the end forces it on",
        "在调用者的 `with torch.no_grad():` 中调用 predict(model, x) 后，梯度跟踪被重新打开了（返回后 "
        "torch.is_grad_enabled() 应与调用前一样为 False）：应恢复调用前的模式，`with torch.no_grad():` "
        "会自动做到这一点；在末尾调用 set_grad_enabled(True) 会强行把它打开",
    )
    want = {"0.weight": False, "0.bias": False, "2.weight": True, "2.bias": True}
    changed = [name for name, flag in want.items() if got["requires_grad_after"].get(name) != flag]
    assert not changed, both(
        "predict(model, x) changed requires_grad of {changed} on a model whose first layer the caller had "
        "frozen: leave the parameters as they are; torch.no_grad() needs no requires_grad_ changes, and "
        "model.requires_grad_(True) afterwards unfreezes what the caller froze",
        "调用者已冻结第一层的模型经过 predict(model, x) 后，{changed} 的 requires_grad 被改变了："
        "不要改动参数；torch.no_grad() 不需要修改 requires_grad，"
        "而事后调用 model.requires_grad_(True) 会把调用者冻结的层解冻",
    ).format(changed=changed)


def _not_copied_back(name: Text, stand_in: bool, text: str) -> Text:
    """The message for a tensor off the CPU (a stand-in, or on the job's accelerator) that reached
    .numpy() or np.asarray without .cpu()."""
    about = (
        both(
            " This t stands in for a GPU tensor on any grader: its values are real, its .device says {device}, "
            "and like a GPU tensor it refuses .numpy() until it is copied back.",
            "这里的 t 在任何评分机器上都是 GPU 张量的替身：它的数值是真实的，.device 显示为 {device}，"
            "而且和 GPU 张量一样，要先复制回来才能 .numpy()。",
        ).format(device=repr(STAND_IN))
        if stand_in
        else ""
    )
    return both(
        "{name} raised TypeError: {text} NumPy cannot read GPU memory: copy t to the CPU first, "
        "t.detach().cpu().numpy().{about}",
        "{name} 抛出了 TypeError: {text} NumPy 无法读取 GPU 显存：要先把 t 复制到 CPU，"
        "即 t.detach().cpu().numpy()。{about}",
    ).format(name=name, text=text, about=about)


def test_to_numpy(rng, device):
    """to_numpy returns a NumPy array with t's values, shape and dtype, even when t requires grad
    to_numpy 返回与 t 值、形状、dtype 相同的 NumPy 数组，即使 t requires_grad"""
    values = torch.randn(3, 4, generator=rng)
    rows, columns = (int(n) for n in torch.randint(2, 6, (2,), generator=rng))
    cases = (  # (label, how the exercise half makes t from the values, where t is, the values)
        (both("a float32 tensor that requires grad", "需要梯度的 float32 张量"), "leaf", "device", values),
        (both("a computed float32 tensor (x * 2)", "计算得到的 float32 张量（x * 2）"), "computed", "device", values),
        (both("a plain float32 tensor", "普通的 float32 张量"), "plain", "device", values),
        (
            both("a float64 tensor of shape (5,) that requires grad", "需要梯度、形状为 (5,) 的 float64 张量"),
            "leaf",
            "device",
            torch.randn(5, generator=rng, dtype=torch.float64),
        ),
        (
            both("an int64 tensor of shape (2, 3, 1)", "形状为 (2, 3, 1) 的 int64 张量"),
            "plain",
            "device",
            torch.randint(-9, 9, (2, 3, 1), generator=rng),
        ),
        (
            both("a 0-d float64 tensor", "0 维的 float64 张量"),
            "plain",
            "device",
            torch.randn((), generator=rng, dtype=torch.float64),
        ),
        # Tensors that refuse .numpy() as GPU tensors do, so a missing .cpu() fails on every grader.
        (
            both("a float32 tensor that requires grad, on a stand-in GPU", "位于替身 GPU 上、需要梯度的 float32 张量"),
            "leaf",
            "stand-in",
            torch.randn(rows, columns, generator=rng),
        ),
        (
            both(
                f"a plain int64 tensor of shape ({rows},), on a stand-in GPU",
                f"位于替身 GPU 上、形状为 ({rows},) 的普通 int64 张量",
            ),
            "plain",
            "stand-in",
            torch.randint(-9, 9, (rows,), generator=rng),
        ),
        (
            both(
                "a computed float64 tensor (x * 2), on a stand-in GPU",
                "位于替身 GPU 上、计算得到的 float64 张量（x * 2）",
            ),
            "computed",
            "stand-in",
            torch.randn(columns, rows, generator=rng, dtype=torch.float64),
        ),
    )
    seen = yield [(kind, where, t) for _, kind, where, t in cases]
    for (label, kind, where, t), got in zip(cases, seen, strict=True):
        want = (t * 2 if kind == "computed" else t).numpy()
        requires_grad = kind != "plain"
        out = got["out"]
        name = "to_numpy(" + label + ")"
        if isinstance(out, Raised) and out.type == "RuntimeError":
            text = out.message.splitlines()[0] if out.message else ""
            raise AssertionError(
                both(
                    "{name} raised {text}: NumPy cannot track gradients or read GPU memory, "
                    "so call .detach().cpu() before .numpy()",
                    "{name} 抛出了 RuntimeError: {plain}。NumPy 无法跟踪梯度，也无法读取 GPU 显存，"
                    "所以要先调用 .detach().cpu()，再调用 .numpy()",
                ).format(name=name, text=repr(text), plain=text.rstrip("."))  # 。 ends it in Chinese
            )
        off_cpu = where == "stand-in" or device.type != "cpu"
        if isinstance(out, Raised) and out.type == "TypeError" and off_cpu:
            text = out.message.splitlines()[0] if out.message else ""
            raise AssertionError(_not_copied_back(name, where == "stand-in", text))
        expect.returned(out, name=name)
        assert isinstance(out, np.ndarray), both(
            "{name} should return a numpy.ndarray, got {kind}", "{name} 应返回 numpy.ndarray，实际返回的是 {kind}"
        ).format(name=name, kind=got["out_type"])
        assert out.dtype == want.dtype, both(
            "{name} should keep the dtype as {want}, got {got}: no .float() or other "
            "conversion, just .detach().cpu().numpy()",
            "{name} 应保持 dtype 为 {want}，实际是 {got}：不要调用 .float() 或做其他转换，只需 .detach().cpu().numpy()",
        ).format(name=name, want=want.dtype, got=out.dtype)
        assert out.shape == want.shape, both(
            "{name} should have shape {want}, got {got}", "{name} 的形状应为 {want}，实际是 {got}"
        ).format(name=name, want=want.shape, got=out.shape)
        expect.close(
            torch.from_numpy(out),
            torch.from_numpy(want),
            name=name,
            why=both(
                "the array holds t's own values: .detach().cpu().numpy()",
                "数组里应是 t 自己的数值：.detach().cpu().numpy()",
            ),
            rtol=0,
            atol=0,
        )
        assert got["requires_grad_after"] is requires_grad, both(
            "{name} changed requires_grad of the caller's tensor (expected {want}): "
            "detach() gives a new view and leaves t alone; requires_grad_(False) changes t itself",
            "{name} 改动了调用者张量的 requires_grad（应为 {want}）：detach() 返回一个新视图，不会改动 t；"
            "requires_grad_(False) 会修改 t 本身",
        ).format(name=name, want=requires_grad)
