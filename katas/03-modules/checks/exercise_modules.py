"""Exercise halves of the modules checks: run in the grading child, build the learner's modules, run
them on the judge's inputs and return what happened. Nothing here decides; test_modules.py judges.

A learner's module cannot travel, so it is exercised here and described by values: parameter names
and tensors, buffer names, hook calls, outputs, gradients. Where an output depends on weights, the
judge sends the weights and they are copied into the learner's layers first (`_load`), so an output
is right only if the learner's forward really computes with them.
"""

import torch
from torch import nn
from torch.nn.parameter import is_lazy

from grader.exercise import attempt


def _linears(model):
    """The nn.Linear layers PyTorch can see inside model, in registration order."""
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def _convs(model):
    return [m for m in model.modules() if isinstance(m, nn.Conv2d)]


def _tensor(value):
    """A copy of a parameter or gradient as it is now; None when absent or not sized yet (nn.LazyLinear)."""
    if not isinstance(value, torch.Tensor) or is_lazy(value):
        return None
    return value.detach().clone()


def _type_name(value) -> str:
    """A value's qualified type: a NumPy integer travels as its Python value, so its type goes with it."""
    return f"{type(value).__module__}.{type(value).__name__}"


def _layer(layer):
    """A layer as the judge sees it: its weight and bias (values and shapes)."""
    return {"weight": _tensor(layer.weight), "bias": _tensor(layer.bias)}


def _load(layers, params):
    """Copy the judge's (weight, bias) pairs into the learner's layers, in place. Loads nothing and says
    False when they do not fit: the judge then fails the check on the layers' shapes, which it sees."""
    targets = [(layer.weight, w) for layer, (w, _) in zip(layers, params)]
    targets += [(layer.bias, b) for layer, (_, b) in zip(layers, params)]
    fits = len(layers) == len(params) and all(
        isinstance(p, torch.Tensor) and not is_lazy(p) and p.shape == value.shape for p, value in targets
    )
    if fits:
        with torch.no_grad():
            for p, value in targets:
                p.copy_(value)
    return fits


def _grads(layers):
    return [{"weight": _tensor(layer.weight.grad), "bias": _tensor(layer.bias.grad)} for layer in layers]


def _record_calls(modules, log):
    """Attach a forward hook to each (name, module); returns the handles."""
    return [m.register_forward_hook(lambda mod, inp, out, name=name: log.append(name)) for name, m in modules]


def _backward(out, upstream):
    """out.backward(upstream) when the learner's call returned a tensor; what it raised otherwise."""
    return attempt(out.backward, upstream) if isinstance(out, torch.Tensor) else None


# --- exercise 1: MLP ------------------------------------------------------------------------------


def test_mlp_parameters(solution, inputs):
    seen = []
    for sizes in inputs:
        model = solution.MLP(sizes)
        seen.append(
            {
                "layers": [_layer(m) for m in _linears(model)],
                "parameters": [(name, p.numel()) for name, p in model.named_parameters()],
            }
        )
    return seen


def test_mlp_forward(solution, inputs):
    seen = []
    for case in inputs:
        model = solution.MLP(case["sizes"])
        layers = _linears(model)
        observed = {"layers": [_layer(m) for m in layers]}
        seen.append(observed)
        if not _load(layers, case["params"]):
            continue
        calls = []
        handles = _record_calls([(f"layer {i}", m) for i, m in enumerate(layers)], calls)
        out = attempt(model, case["x"])
        for h in handles:
            h.remove()
        observed.update(out=out, calls=calls, backward=_backward(out, case["upstream"]), grads=_grads(layers))
    return seen


def test_mlp_moves_with_model(solution, inputs):
    model = solution.MLP(inputs["sizes"]).double()
    layers = _linears(model)
    seen = {
        "parameters": {name: p.detach().clone() for name, p in model.named_parameters()},
        "layers": [_layer(m) for m in layers],
    }
    if _load(layers, inputs["params"]):
        seen["out"] = attempt(model, inputs["x"])
    return seen


# --- exercise 2: RunningCenter --------------------------------------------------------------------


def _set_running_mean(module, values):
    with torch.no_grad():
        module.running_mean.copy_(values)


def test_running_center_buffer(solution, inputs):
    module = solution.RunningCenter(inputs["features"])
    buffers = dict(module.named_buffers())
    seen = {
        "parameters": [name for name, _ in module.named_parameters()],
        "buffers": sorted(buffers),
        "running_mean": _tensor(buffers.get("running_mean")),
        "state_dict": sorted(module.state_dict()),
    }
    # the judge's values in the buffer, so what .double() keeps is this job's
    seen["set"] = attempt(_set_running_mean, module, inputs["values"])
    seen["after_double"] = attempt(lambda: _tensor(module.double().running_mean))
    seen["after_meta"] = attempt(lambda: module.to("meta").running_mean)
    return seen


def test_running_center_train(solution, inputs):
    seen = []
    for case in inputs:
        extra = {} if case["momentum"] is None else {"momentum": case["momentum"]}
        module = solution.RunningCenter(case["features"], **extra)
        module.to(case["dtype"]).train()
        steps = []
        for data, upstream in case["steps"]:
            x = data.clone().requires_grad_(True)
            out = attempt(module, x)
            # clone() keeps requires_grad: the judge sees whether the buffer drags a graph along
            step = {"out": out, "running_mean": module.running_mean.clone()}
            step["backward"] = _backward(out, upstream)
            step["x_grad"] = _tensor(x.grad)
            steps.append(step)
        with torch.no_grad():  # still training mode: a pass that only gathers statistics
            out = attempt(module, case["no_grad_batch"].clone())
        seen.append({"steps": steps, "no_grad": {"out": out, "running_mean": module.running_mean.clone()}})
    return seen


def test_running_center_eval(solution, inputs):
    module = solution.RunningCenter(inputs["features"], momentum=inputs["momentum"])
    module.train()
    module(inputs["batch"])
    with torch.no_grad():  # the judge's running mean, so the eval output depends on values it chose
        module.running_mean.copy_(inputs["running_mean"])
    module.eval()
    x = inputs["x"].clone()
    out = attempt(module, x)
    seen = {"out": out, "x_after": x.clone(), "running_mean": _tensor(module.running_mean)}
    x = inputs["x"].clone().requires_grad_(True)
    out = attempt(module, x)
    seen.update(backward=_backward(out, inputs["upstream"]), x_grad=_tensor(x.grad))
    return seen


# --- exercise 3: Classifier -----------------------------------------------------------------------


def test_classifier_structure(solution, inputs):
    model = solution.Classifier(*inputs)
    return {
        "children": sorted(name for name, _ in model.named_children()),
        "parameters": [(name, p.numel()) for name, p in model.named_parameters()],
        "state_dict": sorted(model.state_dict()),
    }


def test_classifier_hooks(solution, inputs):
    model = solution.Classifier(*inputs["sizes"])
    layers = _linears(model.mlp)
    _load(layers, inputs["params"])
    watched = [("center", model.center), ("mlp", model.mlp)]
    watched += [(f"mlp layer {i}", m) for i, m in enumerate(layers)]
    calls = []
    handles = _record_calls(watched, calls)
    out = attempt(model, inputs["x"])
    for h in handles:
        h.remove()
    return {"out": out, "watched": [name for name, _ in watched], "calls": calls, "layers": [_layer(m) for m in layers]}


def test_classifier_train_eval(solution, inputs):
    model = solution.Classifier(*inputs["sizes"])
    layers = _linears(model.mlp)
    seen = {"layers": [_layer(m) for m in layers]}
    loaded = _load(layers, inputs["params"])
    model.train()
    model(inputs["batch"])
    seen["running_mean"] = _tensor(model.center.running_mean)
    model.eval()
    seen["still_training"] = [name or "the model" for name, m in model.named_modules() if m.training]
    if not loaded:
        return seen
    x = inputs["x"]
    seen["out"] = attempt(model, x)
    seen["x_after"] = x.clone()
    seen["again"] = attempt(model, x)
    model.train()
    seen["submodules_training"] = model.center.training and model.mlp.training
    x = inputs["train_batch"].clone().requires_grad_(True)
    out = attempt(model, x)
    seen.update(
        train_out=out, backward=_backward(out, inputs["upstream"]), grads=_grads(layers), x_grad=_tensor(x.grad)
    )
    return seen


# --- exercise 4: count_parameters -----------------------------------------------------------------


def test_count_parameters(solution, inputs):
    simple = nn.Linear(*inputs["simple"])
    n, k = inputs["width"], inputs["frozen_in"]
    shared = nn.Linear(n, n)
    frozen = nn.Linear(k, n).requires_grad_(False)
    model = nn.Sequential(frozen, nn.BatchNorm1d(n), shared, nn.ReLU(), shared)
    first, second = nn.Linear(inputs["tied"], inputs["tied"]), nn.Linear(inputs["tied"], inputs["tied"])
    second.weight = first.weight  # tied weights: two modules, one parameter
    simple_count = attempt(solution.count_parameters, simple)
    return {
        "simple": simple_count,
        "simple_type": _type_name(simple_count),
        "model": attempt(solution.count_parameters, model),
        "tied": attempt(solution.count_parameters, nn.Sequential(first, nn.Tanh(), second)),
    }


# --- exercises 5 and 6: conv_output_size and SmallCNN ---------------------------------------------


def test_conv_output_size(solution, inputs):
    keywords = [attempt(solution.conv_output_size, *args, **kwargs) for args, kwargs in inputs["keywords"]]
    return {
        "keywords": keywords,
        "keyword_types": [_type_name(out) for out in keywords],
        "positional": [attempt(solution.conv_output_size, *args) for args in inputs["positional"]],
    }


def _cnn(model):
    """A SmallCNN as the judge sees it: its Conv2d and Linear layers, in registration order."""
    return {
        "convs": [
            {**_layer(m), "stride": m.stride, "padding": m.padding, "dilation": m.dilation} for m in _convs(model)
        ],
        "linears": [{**_layer(m), "in_features": m.in_features} for m in _linears(model)],
        "numel": sum(p.numel() for p in model.parameters() if not is_lazy(p)),
    }


def _cnn_load(model, params):
    """The judge's weights into conv 1, conv 2 and the Linear; False when the layers do not fit."""
    return _load(_convs(model) + _linears(model), params)


def test_small_cnn_layers(solution, inputs):
    return [
        _cnn(solution.SmallCNN(in_size=in_size, channels=channels, num_classes=classes))
        for in_size, channels, classes in inputs
    ]


def test_small_cnn_forward(solution, inputs, device):
    seen = []
    for case in inputs:
        model = solution.SmallCNN(in_size=case["in_size"], channels=case["channels"], num_classes=case["classes"]).to(
            device
        )
        observed = _cnn(model)
        seen.append(observed)
        if not _cnn_load(model, case["params"]):
            continue
        x = case["x"].to(device)
        shapes = []
        handle = _convs(model)[0].register_forward_hook(lambda m, args, out: shapes.append(tuple(args[0].shape)))
        with torch.no_grad():
            out = attempt(model, x)
        handle.remove()
        observed.update(out=out, x_after=x, conv1_inputs=shapes)
    return seen


def test_small_cnn_gradients(solution, inputs):
    model = solution.SmallCNN(
        in_size=inputs["in_size"], channels=inputs["channels"], num_classes=inputs["classes"]
    ).double()
    seen = _cnn(model)
    if not _cnn_load(model, inputs["params"]):
        return seen
    out = attempt(model, inputs["x"])
    seen.update(
        out_requires_grad=isinstance(out, torch.Tensor) and out.requires_grad,
        out=out,
        backward=_backward(out, inputs["upstream"]),
        grads=_grads(_convs(model) + _linears(model)),
    )
    return seen


def test_small_cnn_wrong_size(solution, inputs):
    model = solution.SmallCNN(in_size=inputs["in_size"])
    seen = {"wrong": attempt(model, inputs["x"])}  # first: an nn.LazyLinear would size itself on it
    seen.update(_cnn(model))
    if _cnn_load(model, inputs["params"]):
        with torch.no_grad():
            seen["right"] = attempt(model, inputs["right"])
    return seen
