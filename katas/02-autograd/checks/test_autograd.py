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


def test_gradient_analytic(solution):
    """gradient matches the derivatives worked out by hand
    gradient 与手算的导数一致"""
    g = torch.Generator().manual_seed(10)
    x = torch.randn(2, 3, generator=g)
    cases = [
        ("f(t) = (t ** 2).sum()", lambda t: (t ** 2).sum(), 2 * x),
        ("f(t) = t.sin().sum()", lambda t: t.sin().sum(), x.cos()),
        ("f(t) = (t * 3).mean()", lambda t: (t * 3).mean(), torch.full_like(x, 3 / x.numel())),
    ]
    for label, f, expected in cases:
        for attempt in ("first", "second"):
            out = solution.gradient(f, x)
            expect.matches(
                out, expected, name=f"gradient({label}, x), {attempt} call",
                why="call backward() once on f of a fresh leaf and read that leaf's .grad; a second call "
                    "giving a different answer means gradients from an earlier call were added in",
            )


def test_gradient_finite_differences(solution):
    """gradient agrees with finite differences in float64
    gradient 与 float64 下的有限差分结果一致"""
    g = torch.Generator().manual_seed(11)
    x = torch.randn(3, 4, generator=g, dtype=torch.float64)

    def f(t):
        return (t.sin() * t).sum() + (t ** 3).mean() + t.exp().sum().log()

    expected = _central_differences(f, x.clone())
    out = solution.gradient(f, x)
    expect.matches(out, expected, name="gradient(f, x) for a float64 x", rtol=1e-5, atol=1e-6,
                   why="the gradient must come from autograd on f itself, in x's own dtype (float64 here)")


def test_gradient_leaves_input_alone(solution):
    """gradient does not change the caller's tensor, its requires_grad or its .grad
    gradient 不改动调用者的张量、它的 requires_grad 和 .grad"""
    g = torch.Generator().manual_seed(12)
    plain = torch.randn(5, generator=g)
    before = plain.clone()
    out = solution.gradient(lambda t: (t ** 2).sum(), plain)
    expect.close(out, 2 * before, name="gradient(f, x) for x without requires_grad")
    assert plain.requires_grad is False, (
        "gradient switched on requires_grad of the caller's x (expected requires_grad=False afterwards, "
        "got True): work on x.detach().clone().requires_grad_() instead of x itself"
    )
    assert plain.grad is None, "gradient left a .grad on the caller's x (expected None): use a private copy"
    assert torch.equal(plain, before), "gradient changed the values of the caller's x"

    param = torch.randn(5, generator=g).requires_grad_(True)
    old_grad = torch.full((5,), 7.0)
    param.grad = old_grad.clone()
    out = solution.gradient(lambda t: (t ** 3).sum(), param)
    expect.close(out, 3 * param.detach() ** 2, name="gradient(f, x) for an x that requires grad",
                 why="an x that already holds a .grad must not leak it into the answer: use x.detach().clone()")
    assert param.grad is not None and torch.equal(param.grad, old_grad), (
        "gradient changed the caller's x.grad (expected it to stay all 7.0): backward() reached the caller's "
        "tensor; detach() it before requires_grad_(), or use torch.autograd.grad"
    )


def test_per_batch_gradients(solution):
    """per_batch_gradients gives each batch's own gradient, even when w.grad starts non-empty
    per_batch_gradients 给出每个批次各自的梯度，即使 w.grad 一开始不为空"""
    g = torch.Generator().manual_seed(13)
    w = torch.randn(3, generator=g).requires_grad_(True)
    batches = [(torch.randn(4, 3, generator=g), torch.randn(4, generator=g)) for _ in range(3)]

    def loss_fn(weights, batch):
        inputs, targets = batch
        return ((inputs @ weights - targets) ** 2).mean()

    w_now = w.detach().clone()
    expected = [2 / len(y) * X.T @ (X @ w_now - y) for X, y in batches]  # d/dw of the mean squared error
    w.grad = torch.full((3,), 100.0)  # an old gradient left over from somewhere else
    out = solution.per_batch_gradients(loss_fn, w, batches)
    assert isinstance(out, (list, tuple)) and len(out) == len(batches), (
        f"per_batch_gradients should return a list with one gradient per batch ({len(batches)}), "
        f"got {type(out).__name__} of length {len(out) if hasattr(out, '__len__') else '?'}"
    )
    for i, (got, want) in enumerate(zip(out, expected)):
        expect.is_tensor(got, name=f"gradient {i}")
        if i == 0 and torch.allclose(got, want + 100.0, atol=1e-4):
            raise AssertionError(
                "gradient 0 is the true gradient plus the old 100.0 already in w.grad: backward() adds into "
                ".grad, so clear it first (w.grad = None or w.grad.zero_())"
            )
        if i > 0 and torch.allclose(got, sum(expected[: i + 1]), atol=1e-4):
            raise AssertionError(
                f"gradient {i} equals the sum of the gradients of batches 0..{i}: backward() adds into .grad, "
                "so clear w.grad before each batch"
            )
        if i < len(out) - 1 and torch.allclose(got, expected[-1], atol=1e-4):
            raise AssertionError(
                f"gradient {i} equals the last batch's gradient: you stored w.grad itself and later zeroed it "
                "in place (zero_()), which changed the stored tensor too; store w.grad.clone(), or set "
                "w.grad = None instead of zeroing"
            )
        expect.close(got, want, name=f"gradient {i} (of batch {i} alone)", atol=1e-5,
                     why="each entry is the gradient of that batch's loss only")


def _gd_problem(seed):
    g = torch.Generator().manual_seed(seed)
    a = torch.rand(5, generator=g, dtype=torch.float64) + 0.5
    c = torch.randn(5, generator=g, dtype=torch.float64)
    x0 = torch.randn(5, generator=g, dtype=torch.float64)

    def f(x):
        return (a * (x - c) ** 2).sum() + 0.1 * (x ** 4).sum()

    def grad(x):  # worked out by hand
        return 2 * a * (x - c) + 0.4 * x ** 3

    return f, grad, x0


def test_gradient_descent_path(solution):
    """gradient_descent follows x ← x − lr·∇f(x), recomputing the gradient at each new x
    gradient_descent 按 x ← x − lr·∇f(x) 更新，并在每个新的 x 处重新计算梯度"""
    f, grad, x0 = _gd_problem(14)
    lr = 0.05
    for steps in (1, 2, 15):
        x, accumulated, kept = x0.clone(), x0.clone(), torch.zeros_like(x0)
        for _ in range(steps):
            x = x - lr * grad(x)
            kept = kept + grad(accumulated)
            accumulated = accumulated - lr * kept
        try:
            out = solution.gradient_descent(f, x0, lr, steps)
        except NotImplementedError:
            raise
        except RuntimeError as exc:
            if "inplace" in str(exc) or "second time" in str(exc):
                raise AssertionError(
                    f"gradient_descent raised {str(exc).splitlines()[0][:120]!r}: a graph records the x it was "
                    "built from, so it cannot serve the next step; call f(x) again inside the loop (a new graph "
                    "every step) and backward() that"
                ) from None
            raise
        expect.is_tensor(out, name=f"gradient_descent(f, x0, lr={lr}, steps={steps})")
        if steps > 1 and torch.allclose(out.detach(), accumulated, atol=1e-9):
            raise AssertionError(
                f"after {steps} steps x is where it would be if the gradients of all earlier steps were added up: "
                "backward() adds into x.grad, so clear it every step (x.grad = None or x.grad.zero_())"
            )
        expect.close(
            out, x, name=f"gradient_descent(f, x0, lr={lr}, steps={steps})",
            why="each step needs a fresh forward pass f(x) at the current x, then backward(), then the update "
                "under torch.no_grad(); the graph of an earlier step describes an old x",
        )


def test_gradient_descent_returns_plain_tensor(solution):
    """gradient_descent leaves x0 alone and returns a tensor that does not require grad
    gradient_descent 不修改 x0，并返回一个不需要梯度的张量"""
    f, grad, x0 = _gd_problem(15)
    before = x0.clone()
    out = solution.gradient_descent(f, x0, 0.05, 3)
    expect.requires_grad(out, False, name="the result of gradient_descent",
                         why="return x.detach(): the caller wants values, not a leaf still tracked by autograd")
    assert torch.equal(x0, before), "gradient_descent changed the caller's x0: start from x0.detach().clone()"
    assert x0.requires_grad is False and x0.grad is None, (
        "gradient_descent switched on requires_grad (or left a .grad) on the caller's x0: work on a copy"
    )


def _small_model():
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))


def test_predict_no_grad(solution):
    """predict runs the forward pass with gradient tracking off
    predict 在关闭梯度跟踪的情况下执行前向计算"""
    torch.manual_seed(16)
    model = _small_model()
    x = torch.randn(6, 4)
    with torch.no_grad():
        expected = model(x)
    seen = []
    handle = model.register_forward_hook(lambda module, inputs, output: seen.append(torch.is_grad_enabled()))
    try:
        out = solution.predict(model, x)
        grad_after = torch.is_grad_enabled()
    finally:
        handle.remove()
        torch.set_grad_enabled(True)  # do not let a wrong answer spoil later checks
    expect.matches(out, expected, name="predict(model, x)", why="return model(x)")
    assert seen, "predict never called the model (its forward hook did not fire): call model(x)"
    assert not any(seen), (
        "the model's forward pass ran with gradient tracking on (expected torch.is_grad_enabled() == False "
        "inside the model, got True): wrap the call in `with torch.no_grad():` rather than detaching the "
        "output afterwards, which still builds the whole graph"
    )
    expect.requires_grad(out, False, name="predict(model, x)")
    assert grad_after, (
        "after predict returned, gradient tracking was still off for all later code (expected "
        "torch.is_grad_enabled() == True): use the `with torch.no_grad():` block, which switches it back on"
    )
    assert all(p.grad is None for p in model.parameters()), "predict should not run backward() or touch .grad"


def test_to_numpy(solution, device):
    """to_numpy returns a NumPy array even for a tensor that requires grad
    to_numpy 即使张量 requires_grad 也能返回 NumPy 数组"""
    g = torch.Generator().manual_seed(17)
    values = torch.randn(3, 4, generator=g)
    for label, t in (
        ("a tensor that requires grad", values.to(device).requires_grad_(True)),
        ("a computed tensor (x * 2)", values.to(device).requires_grad_(True) * 2),
        ("a plain tensor", values.to(device)),
    ):
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
        assert out.dtype == np.float32, f"to_numpy({label}) should keep float32, got {out.dtype}"
        want = t.detach().cpu().numpy()
        assert out.shape == want.shape and np.allclose(out, want), (
            f"to_numpy({label}) has the wrong values or shape: expected shape {want.shape}, got {out.shape}"
        )
