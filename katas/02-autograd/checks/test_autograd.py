"""Judge halves of the autograd checks (exercise halves: exercise_autograd.py). Each docstring:
English title, then Chinese title. Inputs come from `rng`; expectations are worked out here by hand
or by trusted torch code, on the values the child observed."""

import numpy as np
import torch

from grader import expect
from grader.observations import Raised

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


def _unchanged(state, values, requires_grad, grad, name, who):
    """Assert that learner code `who` left the caller's tensor as it was: `state` is what the child saw
    afterwards (values, requires_grad, grad), the rest what the caller had before the call."""
    if state["requires_grad"] is not requires_grad:
        raise AssertionError(
            f"{who} changed requires_grad of {name} (expected {requires_grad}, got {state['requires_grad']}): work "
            "on a private copy, x.detach().clone().requires_grad_(), instead of the caller's tensor"
        )
    if not torch.equal(state["values"], values):
        raise AssertionError(f"{who} changed the values of {name}: work on a copy (x.detach().clone())")
    if grad is None and state["grad"] is not None:
        raise AssertionError(
            f"{who} left a .grad on {name} (expected None): backward() reached the caller's tensor; differentiate "
            "a private leaf made with detach().clone()"
        )
    if grad is not None and (state["grad"] is None or not torch.equal(state["grad"], grad)):
        raise AssertionError(
            f"{who} changed {name}.grad (expected it to keep its old values): backward() reached the caller's "
            "tensor; detach() it before requires_grad_(), or use torch.autograd.grad on a private leaf"
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
        for attempt, got in zip(("first", "second"), calls, strict=True):
            name = f"gradient({label}, x of shape {tuple(x.shape)}, {x.dtype}), {attempt} call"
            _unchanged(got["x"], x, False, None, "the caller's x", name)
            expect.matches(
                got["out"],
                expected,
                name=name,
                why="call backward() once on f of a fresh leaf made from x (same shape and dtype) and read that "
                "leaf's .grad; a second call giving a different answer means gradients from an earlier call "
                "were added in",
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
        name="gradient(f, x) for a float64 x of shape (3, 5)",
        rtol=1e-5,
        atol=1e-6,
        why="the gradient must come from autograd on f itself, in x's own dtype (float64 here)",
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
    expect.close(plain["out"], 2 * inputs["plain"], name="gradient(f, x) for an x without requires_grad")
    _unchanged(plain["x"], inputs["plain"], False, None, "the caller's x (requires_grad=False)", "gradient(f, x)")

    param = seen["param"]
    expect.returned(param["out"], name="gradient(f, x) for a leaf x that requires grad")
    if param["out"] is None:
        raise AssertionError(
            "gradient(f, x) for a leaf x that requires grad returned None: only a leaf gets a .grad, and x.clone() "
            "of an x that requires grad is not a leaf (it is part of x's graph); make the private leaf with "
            "x.detach().clone().requires_grad_()"
        )
    expect.close(
        param["out"],
        3 * inputs["param"] ** 2,
        name="gradient(f, x) for a leaf x that requires grad and holds a .grad",
        why="make a private leaf with x.detach().clone().requires_grad_() and read its .grad: "
        "x.clone() without detach() is not a leaf, so its .grad stays None and backward() "
        "reaches the caller's x",
    )
    _unchanged(
        param["x"],
        inputs["param"],
        True,
        inputs["param_grad"],
        "the caller's x (a leaf with a .grad)",
        "gradient(f, x)",
    )

    computed = seen["computed"]
    expect.close(
        computed["out"],
        torch.cos(inputs["source"] * 2),
        name="gradient(f, x) for an x computed from another tensor (not a leaf)",
        why="detach() x first, so the gradient is taken at x and stops there",
    )
    if computed["source"]["grad"] is not None:
        raise AssertionError(
            "gradient(f, x) for x = source * 2 put a gradient into source.grad (expected None): backward() ran "
            "through the caller's graph; detach() x before making your own leaf"
        )


def _mse_gradient(w, batch):
    """d/dw of mean((X @ w - Y)²) worked out by hand."""
    inputs, targets = batch
    return 2 / targets.numel() * inputs.T @ (inputs @ w - targets)


def test_per_batch_gradients(rng):
    """per_batch_gradients gives each batch's own gradient, even when w.grad starts non-empty
    per_batch_gradients 给出每个批次各自的梯度，即使 w.grad 一开始不为空"""
    cases = []
    for features, outputs, sizes, dtype in ((3, 1, (4, 4, 4), torch.float32), (5, 2, (3, 7, 1, 2), torch.float64)):
        w = torch.randn(features, outputs, generator=rng, dtype=dtype)
        batches = [
            (torch.randn(n, features, generator=rng, dtype=dtype), torch.randn(n, outputs, generator=rng, dtype=dtype))
            for n in sizes
        ]
        # w.grad holds an old gradient left over from somewhere else
        cases.append({"w": w, "w_grad": torch.full_like(w, 100.0), "batches": batches})
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        w, batches = case["w"], case["batches"]
        sizes = [len(inputs) for inputs, _ in batches]
        # in float64, so that float32 rounding in the learner's autograd is within the tolerance
        expected = [_mse_gradient(w.double(), (x.double(), y.double())).to(w.dtype) for x, y in batches]
        label = f"per_batch_gradients(loss_fn, w of shape {tuple(w.shape)}, {len(sizes)} batches of {sizes} rows)"
        out = expect.returned(got["out"], name=label)
        if not isinstance(out, list) or len(out) != len(batches):
            length = got["out_len"] if got["out_len"] is not None else "?"
            raise AssertionError(
                f"{label} should return a list with one gradient per batch ({len(batches)}), "
                f"got {got['out_type']} of length {length}"
            )
        for i, (entry, want) in enumerate(zip(out, expected)):
            name = f"gradient {i} of {label}"
            expect.is_tensor(entry, name=name)
            expect.shape(entry, want.shape, name=name, why="a gradient has the shape of w")
            entry = entry.to(want.dtype)
            if i == 0 and torch.allclose(entry, want + 100.0, atol=1e-4):
                raise AssertionError(
                    f"{name} is the true gradient plus the old 100.0 already in w.grad: backward() adds into "
                    ".grad, so clear it first (w.grad = None or w.grad.zero_())"
                )
            if i > 0 and torch.allclose(entry, sum(expected[: i + 1]), atol=1e-4):
                raise AssertionError(
                    f"{name} equals the sum of the gradients of batches 0..{i}: backward() adds into .grad, "
                    "so clear w.grad before each batch"
                )
            if i < len(out) - 1 and torch.allclose(entry, expected[-1], atol=1e-4):
                raise AssertionError(
                    f"{name} equals the last batch's gradient: you stored w.grad itself and later zeroed it "
                    "in place (zero_()), which changed the stored tensor too; store w.grad.clone(), or set "
                    "w.grad = None instead of zeroing"
                )
        for i, (entry, want) in enumerate(zip(out, expected)):
            expect.matches(
                entry,
                want,
                name=f"gradient {i} of {label} (of batch {i} alone)",
                atol=1e-5,
                rtol=1e-5 if w.dtype == torch.float32 else None,
                why="each entry is the gradient of that batch's loss only, in w's dtype",
            )
        state = got["w"]
        if not torch.equal(state["values"], w) or not (state["is_leaf"] and state["requires_grad"]):
            raise AssertionError(f"{label} changed w itself: it should only read gradients, not update w")
        if not all(
            torch.equal(t, s)
            for batch, saved in zip(got["batches"], batches, strict=True)
            for t, s in zip(batch, saved, strict=True)
        ):
            raise AssertionError(f"{label} changed the caller's batches: leave the inputs as they were")


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


def _descent_result(out, name):
    """What gradient_descent returned, or a teaching failure for what it raised."""
    if isinstance(out, Raised) and out.type == "RuntimeError":
        text = out.message.splitlines()[0] if out.message else ""
        # which hint fits: autograd's own words for a graph reused after x changed or was freed
        if "inplace" in text or "in-place" in text or "second time" in text:
            raise AssertionError(
                f"gradient_descent raised {text[:120]!r}: a graph records the x it was built from, so it cannot "
                "serve the next step; call f(x) again inside the loop (a new graph every step), backward() that, "
                "and update x under torch.no_grad()"
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
        name = f"gradient_descent(f, x0 of shape {tuple(x0.shape)} in {x0.dtype}, lr={lr}, steps={steps})"
        out = _descent_result(out, name)
        expect.is_tensor(out, name=name)
        expect.shape(out, x.shape, name=name, why="x has the shape of x0")
        expect.dtype(out, x0.dtype, name=name, why="keep x0's dtype: start from x0.detach().clone()")
        if steps > 1 and torch.allclose(out, accumulated, rtol=1e-4, atol=1e-6):
            raise AssertionError(
                f"{name}: x ended where it would be if the gradients of all earlier steps were added up: "
                "backward() adds into x.grad, so clear it every step (x.grad = None or x.grad.zero_())"
            )
        expect.close(
            out,
            x,
            name=name,
            rtol=1e-5 if x0.dtype == torch.float32 else None,
            why="each step needs a fresh forward pass f(x) at the current x, then backward(), then the update "
            "under torch.no_grad(); the graph of an earlier step describes an old x",
        )


def test_gradient_descent_returns_plain_tensor(rng):
    """gradient_descent leaves x0 alone and returns a tensor that does not require grad
    gradient_descent 不修改 x0，并返回一个不需要梯度的张量"""
    cases = [
        {**_descent_problem(rng, (3,), torch.float64), "lr": 0.05, "steps": 3, "requires_grad": requires_grad}
        for requires_grad in (False, True)
    ]
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        out = _descent_result(got["out"], "gradient_descent(f, x0, lr, steps)")
        expect.requires_grad(
            out,
            False,
            name="the result of gradient_descent",
            why="return x.detach(): the caller wants values, not a leaf still tracked by autograd",
        )
        requires_grad = case["requires_grad"]
        _unchanged(
            got["x0"],
            case["x0"],
            requires_grad,
            None,
            f"the caller's x0 (requires_grad={requires_grad})",
            "gradient_descent(f, x0, lr, steps)",
        )
        # loosely: test_gradient_descent_path judges the path itself and names its mistakes
        expect.close(
            out,
            _descent_paths(case)[0],
            name="the result of gradient_descent",
            rtol=1e-4,
            atol=1e-6,
            why=f"it should be where {case['steps']} steps of x ← x − lr·∇f(x) from x0 lead",
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
        name = f"predict(model, x of {len(x)} rows, x.requires_grad={requires_grad})"
        expect.matches(got["out"], _small_model_output(weights, x), name=name, why="return model(x)")
        assert got["grad_mode_inside"], f"{name} never called the model (its forward hook did not fire): call model(x)"
        assert not any(got["grad_mode_inside"]), (
            f"in {name} the model's forward pass ran with gradient tracking on (expected torch.is_grad_enabled() "
            "== False inside the model, got True): wrap the call in `with torch.no_grad():` rather than detaching "
            "the output afterwards, which still builds the whole graph"
        )
        expect.requires_grad(got["out"], False, name=name)
        assert got["grad_after"], (
            f"after {name} returned, gradient tracking was still off for all later code (expected "
            "torch.is_grad_enabled() == True, as before the call): use the `with torch.no_grad():` block, which "
            "puts it back"
        )
        assert got["param_grads_none"], "predict should not run backward() or touch .grad"
        _unchanged(got["x"], x, requires_grad, None, "x", name)


def test_predict_restores_grad_mode(rng):
    """predict leaves gradient tracking as it was, also when it was already off
    predict 结束后梯度跟踪恢复原状（调用前已关闭时也是如此）"""
    weights = _small_model_weights(rng)
    x = torch.randn(5, 4, generator=rng)
    got = yield {"weights": weights, "x": x}
    expect.close(
        got["out"], _small_model_output(weights, x), name="predict(model, x) called inside `with torch.no_grad():`"
    )
    assert not got["grad_after"], (
        "predict(model, x) called inside the caller's `with torch.no_grad():` switched gradient tracking back on "
        "(expected torch.is_grad_enabled() == False after it returned, as before the call): restore the mode that "
        "was there, which `with torch.no_grad():` does by itself; set_grad_enabled(True) at the end forces it on"
    )


def test_to_numpy(rng):
    """to_numpy returns a NumPy array with t's values, shape and dtype, even when t requires grad
    to_numpy 返回与 t 值、形状、dtype 相同的 NumPy 数组，即使 t requires_grad"""
    values = torch.randn(3, 4, generator=rng)
    cases = (  # (label, how the exercise half makes t from the values, the values)
        ("a float32 tensor that requires grad", "leaf", values),
        ("a computed float32 tensor (x * 2)", "computed", values),
        ("a plain float32 tensor", "plain", values),
        (
            "a float64 tensor of shape (5,) that requires grad",
            "leaf",
            torch.randn(5, generator=rng, dtype=torch.float64),
        ),
        ("an int64 tensor of shape (2, 3, 1)", "plain", torch.randint(-9, 9, (2, 3, 1), generator=rng)),
        ("a 0-d float64 tensor", "plain", torch.randn((), generator=rng, dtype=torch.float64)),
    )
    seen = yield [(kind, t) for _, kind, t in cases]
    for (label, kind, t), got in zip(cases, seen, strict=True):
        want = (t * 2 if kind == "computed" else t).numpy()
        requires_grad = kind != "plain"
        out = got["out"]
        if isinstance(out, Raised) and out.type == "RuntimeError":
            raise AssertionError(
                f"to_numpy({label}) raised {out.message.splitlines()[0] if out.message else ''!r}: NumPy cannot track "
                "gradients or read GPU memory, so call .detach().cpu() before .numpy()"
            )
        expect.returned(out, name=f"to_numpy({label})")
        assert isinstance(out, np.ndarray), f"to_numpy({label}) should return a numpy.ndarray, got {got['out_type']}"
        assert out.dtype == want.dtype, (
            f"to_numpy({label}) should keep the dtype as {want.dtype}, got {out.dtype}: no .float() or other "
            "conversion, just .detach().cpu().numpy()"
        )
        assert out.shape == want.shape, f"to_numpy({label}) should have shape {want.shape}, got {out.shape}"
        expect.close(
            torch.from_numpy(out),
            torch.from_numpy(want),
            name=f"to_numpy({label})",
            why="the array holds t's own values: .detach().cpu().numpy()",
            rtol=0,
            atol=0,
        )
        assert got["requires_grad_after"] is requires_grad, (
            f"to_numpy({label}) changed requires_grad of the caller's tensor (expected {requires_grad}): "
            "detach() gives a new view and leaves t alone; requires_grad_(False) changes t itself"
        )
