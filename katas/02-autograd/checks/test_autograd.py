"""Hidden checks for the autograd kata. Each docstring: English title, then Chinese title."""

import numpy as np
import torch

from grader import expect


def _central_differences(f, x, eps=1e-6):
    """The gradient of scalar f at x (float64) by central differences, one coordinate at a time."""
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


def _snapshot(t):
    """What the caller can see of a tensor: its values, requires_grad and .grad (cloned)."""
    grad = None if t.grad is None else t.grad.detach().clone()
    return t.detach().clone(), t.requires_grad, grad


def _unchanged(t, snapshot, name, who):
    """Assert that learner code `who` left the caller's tensor `t` as `snapshot` recorded it."""
    values, requires_grad, grad = snapshot
    if t.requires_grad is not requires_grad:
        raise AssertionError(
            f"{who} changed requires_grad of {name} (expected {requires_grad}, got {t.requires_grad}): work on a "
            "private copy, x.detach().clone().requires_grad_(), instead of the caller's tensor"
        )
    if not torch.equal(t.detach(), values):
        raise AssertionError(f"{who} changed the values of {name}: work on a copy (x.detach().clone())")
    if grad is None and t.grad is not None:
        raise AssertionError(
            f"{who} left a .grad on {name} (expected None): backward() reached the caller's tensor; differentiate "
            "a private leaf made with detach().clone()"
        )
    if grad is not None and (t.grad is None or not torch.equal(t.grad, grad)):
        raise AssertionError(
            f"{who} changed {name}.grad (expected it to keep its old values): backward() reached the caller's "
            "tensor; detach() it before requires_grad_(), or use torch.autograd.grad on a private leaf"
        )


_ANALYTIC = (
    ("f(t) = (t ** 2).sum()", lambda t: (t ** 2).sum(), lambda x: 2 * x),
    ("f(t) = t.sin().sum()", lambda t: t.sin().sum(), lambda x: x.cos()),
    ("f(t) = (t * 3).mean()", lambda t: (t * 3).mean(), lambda x: torch.full_like(x, 3 / x.numel())),
)


def test_gradient_analytic(solution):
    """gradient matches the derivatives worked out by hand, for several shapes and dtypes
    gradient 与手算的导数一致（多种形状与 dtype）"""
    g = torch.Generator().manual_seed(10)
    for shape, dtype in (((2, 3), torch.float32), ((5,), torch.float64), ((3, 1, 4), torch.float32), ((), torch.float64)):
        x = torch.randn(shape, generator=g, dtype=dtype)
        for label, f, derivative in _ANALYTIC:
            expected = derivative(x)
            before = _snapshot(x)
            for attempt in ("first", "second"):
                name = f"gradient({label}, x of shape {tuple(shape)}, {dtype}), {attempt} call"
                out = solution.gradient(f, x)
                _unchanged(x, before, "the caller's x", name)
                expect.matches(
                    out, expected, name=name,
                    why="call backward() once on f of a fresh leaf made from x (same shape and dtype) and read that "
                        "leaf's .grad; a second call giving a different answer means gradients from an earlier call "
                        "were added in",
                )


def test_gradient_finite_differences(solution):
    """gradient agrees with finite differences in float64
    gradient 与 float64 下的有限差分结果一致"""
    g = torch.Generator().manual_seed(11)
    x = torch.randn(3, 5, generator=g, dtype=torch.float64)

    def f(t):
        return (t.sin() * t).sum() + (t ** 3).mean() + t.exp().sum().log()

    expected = _central_differences(f, x.clone())
    out = solution.gradient(f, x)
    expect.matches(out, expected, name="gradient(f, x) for a float64 x of shape (3, 5)", rtol=1e-5, atol=1e-6,
                   why="the gradient must come from autograd on f itself, in x's own dtype (float64 here)")


def test_gradient_leaves_input_alone(solution):
    """gradient does not change the caller's tensor, its requires_grad or its .grad
    gradient 不改动调用者的张量、它的 requires_grad 和 .grad"""
    g = torch.Generator().manual_seed(12)
    plain = torch.randn(5, generator=g)
    expected = 2 * plain
    before = _snapshot(plain)
    out = solution.gradient(lambda t: (t ** 2).sum(), plain)
    expect.close(out, expected, name="gradient(f, x) for an x without requires_grad")
    _unchanged(plain, before, "the caller's x (requires_grad=False)", "gradient(f, x)")

    param = torch.randn(4, 3, generator=g).requires_grad_(True)
    param.grad = torch.full((4, 3), 7.0)  # an old gradient that belongs to the caller
    expected = 3 * param.detach() ** 2
    before = _snapshot(param)
    out = solution.gradient(lambda t: (t ** 3).sum(), param)
    if out is None:
        raise AssertionError(
            "gradient(f, x) for a leaf x that requires grad returned None: only a leaf gets a .grad, and x.clone() "
            "of an x that requires grad is not a leaf (it is part of x's graph); make the private leaf with "
            "x.detach().clone().requires_grad_()"
        )
    expect.close(out, expected, name="gradient(f, x) for a leaf x that requires grad and holds a .grad",
                 why="make a private leaf with x.detach().clone().requires_grad_() and read its .grad: "
                     "x.clone() without detach() is not a leaf, so its .grad stays None and backward() "
                     "reaches the caller's x")
    _unchanged(param, before, "the caller's x (a leaf with a .grad)", "gradient(f, x)")

    source = torch.randn(6, generator=g).requires_grad_(True)
    computed = source * 2  # not a leaf: part of the caller's own graph
    expected = torch.cos(computed.detach())
    out = solution.gradient(lambda t: t.sin().sum(), computed)
    expect.close(out, expected, name="gradient(f, x) for an x computed from another tensor (not a leaf)",
                 why="detach() x first, so the gradient is taken at x and stops there")
    if source.grad is not None:
        raise AssertionError(
            "gradient(f, x) for x = source * 2 put a gradient into source.grad (expected None): backward() ran "
            "through the caller's graph; detach() x before making your own leaf"
        )


def _regression_batches(g, features, outputs, sizes, dtype):
    return [(torch.randn(n, features, generator=g, dtype=dtype), torch.randn(n, outputs, generator=g, dtype=dtype))
            for n in sizes]


def _mse_gradient(w, batch):
    """d/dw of mean((X @ w - Y)²) worked out by hand."""
    inputs, targets = batch
    return 2 / targets.numel() * inputs.T @ (inputs @ w - targets)


def test_per_batch_gradients(solution):
    """per_batch_gradients gives each batch's own gradient, even when w.grad starts non-empty
    per_batch_gradients 给出每个批次各自的梯度，即使 w.grad 一开始不为空"""
    g = torch.Generator().manual_seed(13)

    def loss_fn(weights, batch):
        inputs, targets = batch
        return ((inputs @ weights - targets) ** 2).mean()

    for features, outputs, sizes, dtype in ((3, 1, (4, 4, 4), torch.float32), (5, 2, (3, 7, 1, 2), torch.float64)):
        w = torch.randn(features, outputs, generator=g, dtype=dtype).requires_grad_(True)
        batches = _regression_batches(g, features, outputs, sizes, dtype)
        w.grad = torch.full_like(w, 100.0)  # an old gradient left over from somewhere else
        expected = [_mse_gradient(w.detach(), batch) for batch in batches]
        w_before = w.detach().clone()
        batches_before = [tuple(t.clone() for t in batch) for batch in batches]
        label = f"per_batch_gradients(loss_fn, w of shape {tuple(w.shape)}, {len(sizes)} batches of {list(sizes)} rows)"
        out = solution.per_batch_gradients(loss_fn, w, batches)
        if not isinstance(out, (list, tuple)) or len(out) != len(batches):
            raise AssertionError(
                f"{label} should return a list with one gradient per batch ({len(batches)}), "
                f"got {type(out).__name__} of length {len(out) if hasattr(out, '__len__') else '?'}"
            )
        for i, (got, want) in enumerate(zip(out, expected)):
            name = f"gradient {i} of {label}"
            expect.is_tensor(got, name=name)
            expect.shape(got, want.shape, name=name, why="a gradient has the shape of w")
            got = got.detach().to(want.dtype)
            if i == 0 and torch.allclose(got, want + 100.0, atol=1e-4):
                raise AssertionError(
                    f"{name} is the true gradient plus the old 100.0 already in w.grad: backward() adds into "
                    ".grad, so clear it first (w.grad = None or w.grad.zero_())"
                )
            if i > 0 and torch.allclose(got, sum(expected[: i + 1]), atol=1e-4):
                raise AssertionError(
                    f"{name} equals the sum of the gradients of batches 0..{i}: backward() adds into .grad, "
                    "so clear w.grad before each batch"
                )
            if i < len(out) - 1 and torch.allclose(got, expected[-1], atol=1e-4):
                raise AssertionError(
                    f"{name} equals the last batch's gradient: you stored w.grad itself and later zeroed it "
                    "in place (zero_()), which changed the stored tensor too; store w.grad.clone(), or set "
                    "w.grad = None instead of zeroing"
                )
        for i, (got, want) in enumerate(zip(out, expected)):
            expect.matches(got, want, name=f"gradient {i} of {label} (of batch {i} alone)", atol=1e-5,
                           why="each entry is the gradient of that batch's loss only, in w's dtype")
        if not torch.equal(w.detach(), w_before) or not (w.is_leaf and w.requires_grad):
            raise AssertionError(f"{label} changed w itself: it should only read gradients, not update w")
        for batch, saved in zip(batches, batches_before):
            if not all(torch.equal(t, s) for t, s in zip(batch, saved)):
                raise AssertionError(f"{label} changed the caller's batches: leave the inputs as they were")


def _gd_problem(seed, shape, dtype):
    g = torch.Generator().manual_seed(seed)
    a = torch.rand(shape, generator=g, dtype=dtype) + 0.5
    c = torch.randn(shape, generator=g, dtype=dtype)
    x0 = torch.randn(shape, generator=g, dtype=dtype)

    def f(x):
        return (a * (x - c) ** 2).sum() + 0.1 * (x ** 4).sum()

    def grad(x):  # worked out by hand
        return 2 * a * (x - c) + 0.4 * x ** 3

    return f, grad, x0


def _call_gradient_descent(solution, f, x0, lr, steps):
    try:
        return solution.gradient_descent(f, x0, lr, steps)
    except NotImplementedError:
        raise
    except RuntimeError as exc:
        text = str(exc)
        if "inplace" in text or "in-place" in text or "second time" in text:
            raise AssertionError(
                f"gradient_descent raised {text.splitlines()[0][:120]!r}: a graph records the x it was built from, "
                "so it cannot serve the next step; call f(x) again inside the loop (a new graph every step), "
                "backward() that, and update x under torch.no_grad()"
            ) from None
        raise


def test_gradient_descent_path(solution):
    """gradient_descent follows x ← x − lr·∇f(x), recomputing the gradient at each new x
    gradient_descent 按 x ← x − lr·∇f(x) 更新，并在每个新的 x 处重新计算梯度"""
    for seed, shape, dtype, lr, step_counts in ((14, (5,), torch.float64, 0.05, (1, 2, 15)),
                                               (24, (2, 3), torch.float32, 0.03, (4,))):
        f, grad, x0 = _gd_problem(seed, shape, dtype)
        for steps in step_counts:
            x, accumulated, kept = x0.clone(), x0.clone(), torch.zeros_like(x0)
            for _ in range(steps):
                x = x - lr * grad(x)
                kept = kept + grad(accumulated)
                accumulated = accumulated - lr * kept
            name = f"gradient_descent(f, x0 of shape {shape} in {dtype}, lr={lr}, steps={steps})"
            out = _call_gradient_descent(solution, f, x0, lr, steps)
            expect.is_tensor(out, name=name)
            expect.shape(out, x.shape, name=name, why="x has the shape of x0")
            expect.dtype(out, dtype, name=name, why="keep x0's dtype: start from x0.detach().clone()")
            if steps > 1 and torch.allclose(out.detach(), accumulated, rtol=1e-4, atol=1e-6):
                raise AssertionError(
                    f"{name}: x ended where it would be if the gradients of all earlier steps were added up: "
                    "backward() adds into x.grad, so clear it every step (x.grad = None or x.grad.zero_())"
                )
            expect.close(
                out, x, name=name, rtol=1e-5 if dtype == torch.float32 else None,
                why="each step needs a fresh forward pass f(x) at the current x, then backward(), then the update "
                    "under torch.no_grad(); the graph of an earlier step describes an old x",
            )


def test_gradient_descent_returns_plain_tensor(solution):
    """gradient_descent leaves x0 alone and returns a tensor that does not require grad
    gradient_descent 不修改 x0，并返回一个不需要梯度的张量"""
    for seed, requires_grad in ((15, False), (25, True)):
        f, grad, x0 = _gd_problem(seed, (3,), torch.float64)
        x0.requires_grad_(requires_grad)
        before = _snapshot(x0)
        out = _call_gradient_descent(solution, f, x0, 0.05, 3)
        expect.requires_grad(out, False, name="the result of gradient_descent",
                             why="return x.detach(): the caller wants values, not a leaf still tracked by autograd")
        _unchanged(x0, before, f"the caller's x0 (requires_grad={requires_grad})", "gradient_descent(f, x0, lr, steps)")


def _small_model():
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))


def _watch_grad_mode(model):
    """A forward hook that records whether gradient tracking was on inside the model."""
    seen = []
    handle = model.register_forward_hook(lambda module, inputs, output: seen.append(torch.is_grad_enabled()))
    return seen, handle


def test_predict_no_grad(solution):
    """predict runs the forward pass with gradient tracking off
    predict 在关闭梯度跟踪的情况下执行前向计算"""
    torch.manual_seed(16)
    model = _small_model()
    for rows, x_requires_grad in ((6, False), (3, True)):
        x = torch.randn(rows, 4).requires_grad_(x_requires_grad)
        with torch.no_grad():
            expected = model(x)
        before = _snapshot(x)
        seen, handle = _watch_grad_mode(model)
        try:
            out = solution.predict(model, x)
            grad_after = torch.is_grad_enabled()
        finally:
            handle.remove()
            torch.set_grad_enabled(True)  # do not let a wrong answer spoil later checks
        name = f"predict(model, x of {rows} rows, x.requires_grad={x_requires_grad})"
        expect.matches(out, expected, name=name, why="return model(x)")
        assert seen, f"{name} never called the model (its forward hook did not fire): call model(x)"
        assert not any(seen), (
            f"in {name} the model's forward pass ran with gradient tracking on (expected torch.is_grad_enabled() "
            "== False inside the model, got True): wrap the call in `with torch.no_grad():` rather than detaching "
            "the output afterwards, which still builds the whole graph"
        )
        expect.requires_grad(out, False, name=name)
        assert grad_after, (
            f"after {name} returned, gradient tracking was still off for all later code (expected "
            "torch.is_grad_enabled() == True, as before the call): use the `with torch.no_grad():` block, which "
            "puts it back"
        )
        assert all(p.grad is None for p in model.parameters()), "predict should not run backward() or touch .grad"
        _unchanged(x, before, "x", name)


def test_predict_restores_grad_mode(solution):
    """predict leaves gradient tracking as it was, also when it was already off
    predict 结束后梯度跟踪恢复原状（调用前已关闭时也是如此）"""
    torch.manual_seed(18)
    model = _small_model()
    x = torch.randn(5, 4)
    expected = model(x).detach()
    try:
        with torch.no_grad():
            out = solution.predict(model, x)
            grad_after = torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(True)
    expect.close(out, expected, name="predict(model, x) called inside `with torch.no_grad():`")
    assert not grad_after, (
        "predict(model, x) called inside the caller's `with torch.no_grad():` switched gradient tracking back on "
        "(expected torch.is_grad_enabled() == False after it returned, as before the call): restore the mode that "
        "was there, which `with torch.no_grad():` does by itself; set_grad_enabled(True) at the end forces it on"
    )


def test_to_numpy(solution, device):
    """to_numpy returns a NumPy array with t's values, shape and dtype, even when t requires grad
    to_numpy 返回与 t 值、形状、dtype 相同的 NumPy 数组，即使 t requires_grad"""
    g = torch.Generator().manual_seed(17)
    values = torch.randn(3, 4, generator=g)
    cases = (
        ("a float32 tensor that requires grad", values.to(device).requires_grad_(True)),
        ("a computed float32 tensor (x * 2)", values.to(device).requires_grad_(True) * 2),
        ("a plain float32 tensor", values.to(device)),
        ("a float64 tensor of shape (5,) that requires grad",
         torch.randn(5, generator=g, dtype=torch.float64).to(device).requires_grad_(True)),
        ("an int64 tensor of shape (2, 3, 1)", torch.randint(-9, 9, (2, 3, 1), generator=g).to(device)),
        ("a 0-d float64 tensor", torch.tensor(2.5, dtype=torch.float64).to(device)),
    )
    for label, t in cases:
        want = t.detach().cpu().numpy().copy()
        requires_grad = t.requires_grad
        try:
            out = solution.to_numpy(t)
        except NotImplementedError:
            raise
        except RuntimeError as exc:
            raise AssertionError(
                f"to_numpy({label}) raised {str(exc).splitlines()[0]!r}: NumPy cannot track gradients or read "
                "GPU memory, so call .detach().cpu() before .numpy()"
            ) from None
        assert isinstance(out, np.ndarray), f"to_numpy({label}) should return a numpy.ndarray, got {type(out).__name__}"
        assert out.dtype == want.dtype, (
            f"to_numpy({label}) should keep the dtype as {want.dtype}, got {out.dtype}: no .float() or other "
            "conversion, just .detach().cpu().numpy()"
        )
        assert out.shape == want.shape and np.array_equal(out, want), (
            f"to_numpy({label}) has the wrong values or shape: expected shape {want.shape}, got {out.shape}"
        )
        assert t.requires_grad is requires_grad, (
            f"to_numpy({label}) changed requires_grad of the caller's tensor (expected {requires_grad}): "
            "detach() gives a new view and leaves t alone; requires_grad_(False) changes t itself"
        )
