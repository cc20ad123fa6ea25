"""Exercise halves of the dynamic-graphs checks: run in the grading child, call the learner's code on
the judge's inputs, run backward where a check needs gradients, and return values, gradients and
requires_grad flags. Nothing here decides; test_dynamic_graphs.py judges.

Layers cannot travel, so the judge sends their weights and the cells and linear layers are built
here; a learner's RepeatNet initialises itself, and its parameters travel back so the judge can
recompute its forward (the forward check loads the judge's weights into it). Trees travel as nested tuples of leaf indices and are rebuilt from the leaves.
"""

import torch
from torch import nn
from torch.nn import functional as F

from grader.exercise import attempt
from grader.observations import Raised
from grader.stand_in import StandInDevice, StandInStrict, plain


def _grad(t):
    return None if t.grad is None else t.grad.detach().clone()


def _backward(out, weights=None):
    """out.sum().backward() (or (out * weights).sum()), when out can carry a gradient; else None."""
    if not (isinstance(out, torch.Tensor) and out.requires_grad):
        return None
    return attempt(lambda: (out if weights is None else out * weights).sum().backward())


# --- exercise 1: grow_until ----------------------------------------------------------------------


def test_grow_until_values(solution, inputs):
    seen = []
    for a in inputs["cases"]:
        seen.append({"out": attempt(solution.grow_until, a), "a_after": a})
    limited = attempt(solution.grow_until, inputs["limited"].clone(), limit=inputs["limit"])
    return {"cases": seen, "limited": limited}


def test_grow_until_gradient(solution, inputs):
    seen = []
    for case in inputs:
        a = case["a"].clone().requires_grad_(True)
        out = attempt(solution.grow_until, a)
        backward = _backward(out, case["weights"])
        seen.append({"out": out, "backward": backward, "grad": _grad(a)})
    return seen


# --- exercise 2: RepeatNet -----------------------------------------------------------------------


def _parameters(net):
    return {name: p.detach().clone() for name, p in net.named_parameters()}


def test_repeat_net_parameters(solution, inputs):
    seen = []
    for case in inputs:
        net = attempt(solution.RepeatNet, *case["sizes"])
        if isinstance(net, Raised):
            seen.append({"net": net})
            continue
        counts = {}
        for depth in case["depths"]:
            out = attempt(net, case["x"], depth)
            counts[depth] = out if isinstance(out, Raised) else sum(p.numel() for p in net.parameters())
        seen.append(
            {
                "net": None,
                "names": [name for name, _ in net.named_parameters()],
                "shapes": {name: tuple(p.shape) for name, p in net.named_parameters()},
                "count": sum(p.numel() for p in net.parameters()),
                "counts_after": counts,
            }
        )
    return seen


def test_repeat_net_forward(solution, inputs):
    seen = []
    for case in inputs:
        net = attempt(solution.RepeatNet, *case["sizes"])
        if isinstance(net, Raised):
            seen.append({"net": net})
            continue
        names = [name for name, _ in net.named_parameters()]
        loaded = attempt(net.load_state_dict, case["weights"])
        with torch.no_grad():
            outs = [] if isinstance(loaded, Raised) else [attempt(net, case["x"], depth) for depth in case["depths"]]
        seen.append({"net": None, "names": names, "loaded": loaded, "outs": outs})
    return seen


def test_repeat_net_gradients(solution, inputs):
    net = attempt(solution.RepeatNet, *inputs["sizes"])
    if isinstance(net, Raised):
        return {"net": net}
    parameters = _parameters(net)
    out = attempt(net, inputs["x"], inputs["depth"])
    backward = attempt(lambda: F.mse_loss(out, inputs["target"]).backward()) if isinstance(out, torch.Tensor) else None
    grads = {name: _grad(p) for name, p in net.named_parameters()}
    # A training loop's next call: the same x at another depth, after zero_grad.
    net.zero_grad()
    again = attempt(net, inputs["x"], inputs["depth_again"])
    backward_again = (
        attempt(lambda: F.mse_loss(again, inputs["target"]).backward()) if isinstance(again, torch.Tensor) else None
    )
    return {
        "net": None,
        "parameters": parameters,
        "out": out,
        "backward": backward,
        "grads": grads,
        "out_again": again,
        "backward_again": backward_again,
        "grads_again": {name: _grad(p) for name, p in net.named_parameters()},
    }


# --- exercise 3: rnn_last_hidden -----------------------------------------------------------------


def _cell(case, device="cpu"):
    """The judge's cell: an nn.RNNCell or nn.GRUCell holding its weights, in x's dtype, on `device`."""
    cell = getattr(nn, case["kind"])(3, 4)
    cell.load_state_dict(case["weights"])
    return cell.to(device=device, dtype=case["x"].dtype)


# A stand-in for a GPU, on any grader (grader/stand_in.py): x, lengths and the cell's parameters hold
# their values on the CPU but report the device STAND_IN, and like tensors on a GPU they refuse to be
# mixed with CPU tensors. Under StandInDevice, factories and .to() that name their device make more stand-ins, so
# `device=x.device` works and a state made without it fails, as on a GPU.


def _stand_in_cell(cell):
    """The cell with its parameters on the stand-in device."""
    for name, p in list(cell.named_parameters()):
        setattr(cell, name, nn.Parameter(p.detach().as_subclass(StandInStrict), requires_grad=p.requires_grad))
    return cell


def _rnn_on_stand_in(solution, case):
    """rnn_last_hidden on the stand-in device; values come back as CPU tensors, with whether the
    result was still on the stand-in device."""
    cell = _stand_in_cell(_cell(case))
    x, lengths = (case[key].clone().as_subclass(StandInStrict) for key in ("x", "lengths"))
    with torch.no_grad(), StandInDevice(StandInStrict):
        out = attempt(solution.rnn_last_hidden, cell, x, lengths)
    return {"out": plain(out), "x_after": plain(x), "on_stand_in": isinstance(out, StandInStrict)}


def test_rnn_last_hidden(solution, inputs, device):
    seen = []
    for case in inputs:
        if case["stand_in"]:
            seen.append(_rnn_on_stand_in(solution, case))
            continue
        where = device if case["on_device"] else torch.device("cpu")
        cell, x, lengths = _cell(case, where), case["x"].to(where), case["lengths"].to(where)
        with torch.no_grad():
            out = attempt(solution.rnn_last_hidden, cell, x, lengths)
        seen.append({"out": out, "x_after": x})
    return seen


def test_rnn_ignores_padding(solution, inputs):
    cell = _cell(inputs)
    with torch.no_grad():
        clean = attempt(solution.rnn_last_hidden, cell, inputs["x"], inputs["lengths"])
        noisy = attempt(solution.rnn_last_hidden, cell, inputs["noisy"], inputs["lengths"])
    return {"clean": clean, "noisy": noisy}


def test_rnn_gradients(solution, inputs):
    cell = _cell(inputs)
    x = inputs["x"].clone().requires_grad_(True)
    out = attempt(solution.rnn_last_hidden, cell, x, inputs["lengths"])
    backward = _backward(out, inputs["weights_out"])
    return {
        "out": out,
        "backward": backward,
        "x_grad": _grad(x),
        "grads": {name: _grad(p) for name, p in cell.named_parameters()},
    }


# --- exercise 4: tree_encode ---------------------------------------------------------------------


def _layers(inputs):
    """The leaf and combine layers of the judge's sizes (a weight is (out_features, in_features))."""
    leaf, combine = (nn.Linear(*reversed(inputs[name]["weight"].shape)) for name in ("leaf", "combine"))
    leaf.load_state_dict(inputs["leaf"])
    combine.load_state_dict(inputs["combine"])
    return leaf, combine


def _tree(shape, leaves):
    """A tree of the leaf tensors from its shape: an int is a leaf's index, a pair is a tuple."""
    return leaves[shape] if isinstance(shape, int) else (_tree(shape[0], leaves), _tree(shape[1], leaves))


def test_tree_encode(solution, inputs):
    leaf, combine = _layers(inputs)
    with torch.no_grad():
        return [
            attempt(solution.tree_encode, _tree(shape, inputs["leaves"]), leaf, combine) for shape in inputs["shapes"]
        ]


def test_tree_encode_gradients(solution, inputs):
    leaf, combine = _layers(inputs)
    leaves = [t.clone().requires_grad_(True) for t in inputs["leaves"]]
    out = attempt(solution.tree_encode, _tree(inputs["shape"], leaves), leaf, combine)
    backward = _backward(out)
    layers = [*leaf.named_parameters("leaf"), *combine.named_parameters("combine")]
    return {
        "out": out,
        "backward": backward,
        "grads": {name: _grad(p) for name, p in layers},
        "leaf_grads": [_grad(t) for t in leaves],
    }


# --- exercise 5: newton_sqrt ---------------------------------------------------------------------


def test_newton_sqrt_values(solution, inputs):
    seen = [{"out": attempt(solution.newton_sqrt, a), "a_after": a} for a in inputs["cases"]]
    return {"cases": seen, "tight": attempt(solution.newton_sqrt, inputs["tight"], tol=inputs["tol"])}


def test_newton_sqrt_steps(solution, inputs):
    return [attempt(solution.newton_sqrt, case["a"], tol=case["tol"]) for case in inputs]


def test_newton_sqrt_gradient(solution, inputs):
    seen = []
    for case in inputs:
        a = case["a"].clone().requires_grad_(True)
        out = (
            attempt(solution.newton_sqrt, a)
            if case["tol"] is None
            else attempt(solution.newton_sqrt, a, tol=case["tol"])
        )
        seen.append({"out": out, "backward": _backward(out), "grad": _grad(a)})
    return seen
