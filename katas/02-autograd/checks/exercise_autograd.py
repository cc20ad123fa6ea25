"""Exercise halves of the autograd checks: run in the grading child, call the learner's code on the
judge's inputs and return what happened. Nothing here decides; test_autograd.py judges.

A function f, a loss or a model cannot travel, so the judge names them (or sends their numbers) and
they are built here; test_autograd.py holds its own copy of each formula to compute the expectation.
"""

import torch

from grader.exercise import attempt
from grader.stand_in import StandIn, StandInDevice

# The scalar functions the judge names, as in test_autograd.py's _FUNCTIONS.
FUNCTIONS = {
    "f(t) = (t ** 2).sum()": lambda t: (t**2).sum(),
    "f(t) = t.sin().sum()": lambda t: t.sin().sum(),
    "f(t) = (t * 3).mean()": lambda t: (t * 3).mean(),
    "f(t) = (t ** 3).sum()": lambda t: (t**3).sum(),
    "f(t) = (t.sin() * t).sum() + (t ** 3).mean() + t.exp().sum().log()": lambda t: (
        (t.sin() * t).sum() + (t**3).mean() + t.exp().sum().log()
    ),
}


def _state(t):
    """What the caller can see of its tensor afterwards: values, requires_grad, leaf or not, .grad."""
    return {
        "values": t.detach(),
        "requires_grad": t.requires_grad,
        "is_leaf": t.is_leaf,
        "grad": None if t.grad is None else t.grad.detach().clone(),
    }


def _leaf(values, requires_grad, grad=None):
    """The caller's tensor: a leaf with the judge's values, requires_grad and old .grad."""
    t = values.detach().clone().requires_grad_(requires_grad)
    if grad is not None:
        t.grad = grad.detach().clone()
    return t


def test_gradient_analytic(solution, inputs):
    seen = []
    for case in inputs:
        x, f = _leaf(case["x"], False), FUNCTIONS[case["f"]]
        calls = []
        for _ in range(2):
            out = attempt(solution.gradient, f, x)
            calls.append({"out": out, "x": _state(x)})
        seen.append(calls)
    return seen


def test_gradient_finite_differences(solution, inputs):
    return attempt(solution.gradient, FUNCTIONS[inputs["f"]], _leaf(inputs["x"], False))


def test_gradient_leaves_input_alone(solution, inputs):
    plain = _leaf(inputs["plain"], False)
    out_plain = attempt(solution.gradient, FUNCTIONS["f(t) = (t ** 2).sum()"], plain)
    param = _leaf(inputs["param"], True, inputs["param_grad"])
    out_param = attempt(solution.gradient, FUNCTIONS["f(t) = (t ** 3).sum()"], param)
    source = _leaf(inputs["source"], True)
    computed = source * 2  # not a leaf: part of the caller's own graph
    out_computed = attempt(solution.gradient, FUNCTIONS["f(t) = t.sin().sum()"], computed)
    return {
        "plain": {"out": out_plain, "x": _state(plain)},
        "param": {"out": out_param, "x": _state(param)},
        "computed": {"out": out_computed, "source": _state(source)},
    }


def _mse(weights, batch):
    inputs, targets = batch
    return ((inputs @ weights - targets) ** 2).mean()


def test_per_batch_gradients(solution, inputs):
    seen = []
    for case in inputs:
        w = _leaf(case["w"], True, case["w_grad"])
        batches = [tuple(t.clone() for t in batch) for batch in case["batches"]]
        out = attempt(solution.per_batch_gradients, _mse, w, batches)
        seen.append(
            {
                "out": list(out) if isinstance(out, (list, tuple)) else out,
                "out_type": type(out).__name__,
                "out_len": len(out) if hasattr(out, "__len__") else None,
                "w": _state(w),
                "batches": batches,
            }
        )
    return seen


def _quartic_bowl(a, c):
    """f(x) = Σ a·(x − c)² + 0.1·Σ x⁴, the function the judge's descent problems describe."""
    return lambda x: (a * (x - c) ** 2).sum() + 0.1 * (x**4).sum()


def test_gradient_descent_path(solution, inputs):
    seen = []
    for case in inputs:
        x0 = _leaf(case["x0"], False)
        seen.append(
            attempt(solution.gradient_descent, _quartic_bowl(case["a"], case["c"]), x0, case["lr"], case["steps"])
        )
    return seen


def test_gradient_descent_returns_plain_tensor(solution, inputs):
    seen = []
    for case in inputs:
        x0 = _leaf(case["x0"], case["requires_grad"])
        out = attempt(solution.gradient_descent, _quartic_bowl(case["a"], case["c"]), x0, case["lr"], case["steps"])
        seen.append({"out": out, "x0": _state(x0)})
    return seen


def _small_model(weights):
    """Linear(4, 8) → Tanh → Linear(8, 2) with the judge's weights."""
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    model.load_state_dict(weights)
    return model


def test_predict_no_grad(solution, inputs):
    model = _small_model(inputs["weights"])
    grad_mode = []  # torch.is_grad_enabled() inside the model, once per forward pass
    model.register_forward_hook(lambda module, args, output: grad_mode.append(torch.is_grad_enabled()))
    seen = []
    for case in inputs["cases"]:
        x = _leaf(case["x"], case["requires_grad"])
        grad_mode.clear()
        try:
            out = attempt(solution.predict, model, x)
            grad_after = torch.is_grad_enabled()
        finally:
            torch.set_grad_enabled(True)  # a wrong answer must not spoil the checks that follow
        seen.append(
            {
                "out": out,
                "grad_mode_inside": list(grad_mode),
                "grad_after": grad_after,
                "param_grads_none": all(p.grad is None for p in model.parameters()),
                "params_require_grad": all(p.requires_grad for p in model.parameters()),
                "x": _state(x),
            }
        )
    return seen


def test_predict_restores_grad_mode(solution, inputs):
    model = _small_model(inputs["weights"])
    model[0].requires_grad_(False)  # a caller's frozen first layer, as in fine-tuning
    try:
        with torch.no_grad():
            out = attempt(solution.predict, model, inputs["x"])
            grad_after = torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(True)
    return {
        "out": out,
        "grad_after": grad_after,
        "requires_grad_after": {name: p.requires_grad for name, p in model.named_parameters()},
    }


# --- a stand-in for a GPU tensor (grader/stand_in.py): NumPy is refused until it is copied back


def _numpy_case(kind, where, values, device):
    t = values.as_subclass(StandIn) if where == "stand-in" else values.to(device)
    if kind == "leaf":
        return t.requires_grad_(True)
    if kind == "computed":
        return t.requires_grad_(True) * 2
    return t


def test_to_numpy(solution, inputs, device):
    seen = []
    for kind, where, values in inputs:
        t = _numpy_case(kind, where, values, device)
        with StandInDevice():  # t.device names the stand-in, as it would a GPU
            out = attempt(solution.to_numpy, t)
        seen.append({"out": out, "out_type": type(out).__name__, "requires_grad_after": t.requires_grad})
    return seen
