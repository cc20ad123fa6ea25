"""Judge halves of the modules checks (exercise halves: exercise_modules.py). Each docstring: English
title, then Chinese title. Inputs and layer weights come from `rng`; the child copies the weights into
the learner's layers, so every expected output and gradient is computed here from values the judge chose."""

import pytest
import torch
from torch.nn import functional as F

from grader import expect
from grader.observations import Opaque, Raised

PLAIN_LIST = (
    "layers kept in a plain Python list (or dict) are invisible to PyTorch: parameters(), .to(), "
    "state_dict() and the optimizer never see them; use nn.ModuleList or nn.Sequential"
)


def _int(rng, low, high):
    """A random int in [low, high]."""
    return int(torch.randint(low, high + 1, (1,), generator=rng))


def _kind(value):
    return value.type if isinstance(value, Opaque) else type(value).__name__


def _first_line(raised):
    return (raised.message.splitlines() or [""])[0]


def _layer_params(rng, shapes, dtype=torch.float32):
    """(weight, bias) per layer for the given weight shapes, scaled like PyTorch's default init."""
    params = []
    for shape in shapes:
        fan_in = 1
        for n in shape[1:]:
            fan_in *= n
        scale = fan_in**-0.5
        params.append(
            (
                torch.randn(shape, generator=rng, dtype=dtype) * scale,
                torch.randn(shape[0], generator=rng, dtype=dtype) * scale,
            )
        )
    return params


def _mlp_params(rng, sizes, dtype=torch.float32):
    return _layer_params(rng, [(b, a) for a, b in zip(sizes[:-1], sizes[1:])], dtype)


def _mlp_reference(params, x):
    """What an MLP with these (weight, bias) layers computes: ReLU after every layer but the last."""
    for i, (w, b) in enumerate(params):
        x = F.linear(x, w, b)
        if i < len(params) - 1:
            x = torch.relu(x)
    return x


def _negative_outputs(params, x):
    """params with the last bias shifted so that every output column has a negative value on x: a ReLU
    after the last layer can then never go unnoticed."""
    *hidden, (w, b) = params
    return [*hidden, (w, b - _mlp_reference(params, x).min(dim=0).values - 0.5)]


def _reference_grads(run, params, upstream):
    """The gradients of each (weight, bias) when `run(leaf params)` is backpropagated with upstream."""
    leaves = [(w.clone().requires_grad_(True), b.clone().requires_grad_(True)) for w, b in params]
    run(leaves).backward(upstream)
    return [(w.grad, b.grad) for w, b in leaves]


def _compare_grads(seen, want, names, label, why):
    """The gradients the child saw on each layer's weight and bias against the reference ones."""
    for name, got, (w_grad, b_grad) in zip(names, seen, want, strict=True):
        for part, expected in (("weight", w_grad), ("bias", b_grad)):
            assert got[part] is not None, (
                f"{label}: no gradient reached {name}'s {part}: something in forward cuts the graph "
                "(.detach(), .data, torch.no_grad() or a NumPy round trip)"
            )
            expect.close(got[part], expected, name=f"{label}: the gradient of {name}'s {part}", why=why)


def _check_linear_shapes(layers, sizes, label):
    """Each observed Linear maps sizes[i] features to sizes[i + 1]."""
    for i, (layer, a, b) in enumerate(zip(layers, sizes[:-1], sizes[1:], strict=True)):
        why = f"layer {i} maps {a} features to {b}: nn.Linear({a}, {b}), in order"
        expect.shape(layer["weight"], (b, a), name=f"{label}: layer {i}'s weight", why=why)
        expect.shape(layer["bias"], (b,), name=f"{label}: layer {i}'s bias", why=why)


def _backward_ran(backward, label):
    expect.returned(
        backward,
        name=f"{label}: out.backward(upstream)",
        why="the output should stay connected to the parameters so the model can learn",
    )


# --- exercise 1: MLP ------------------------------------------------------------------------------


def test_mlp_parameters(rng):
    """MLP registers every layer, so parameters() and the optimizer see all weights
    MLP 注册了每一层，parameters() 和优化器都能看到所有权重"""
    cases = [[5, 7, 3], [4, 16, 8, 3], [6, 2], [_int(rng, 1, 32) for _ in range(_int(rng, 2, 5))]]
    seen = yield cases
    for sizes, got in zip(cases, seen, strict=True):
        layers = got["layers"]
        assert len(layers) == len(sizes) - 1, (
            f"MLP({sizes}): model.modules() finds {len(layers)} nn.Linear layers, expected {len(sizes) - 1}. "
            + (PLAIN_LIST if not layers else "one Linear per pair of neighbouring sizes")
        )
        for i, (layer, a, b) in enumerate(zip(layers, sizes[:-1], sizes[1:])):
            expect.shape(
                layer["weight"],
                (b, a),
                name=f"MLP({sizes}): layer {i}'s weight",
                why=f"layer {i} maps {a} features to {b}: nn.Linear({a}, {b}), in order",
            )
        params = got["parameters"]
        want = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        total = sum(numel for _, numel in params)
        assert params, (
            f"MLP({sizes}).parameters() is empty, so an optimizer would raise 'optimizer got an empty parameter list'. {PLAIN_LIST}"
        )
        assert len(params) == 2 * (len(sizes) - 1) and total == want, (
            f"MLP({sizes}).parameters() should list {2 * (len(sizes) - 1)} tensors with {want} numbers in all, "
            f"got {len(params)} tensors with {total} numbers"
        )


def test_mlp_forward(rng):
    """MLP.forward applies each layer (through its hooks) with ReLU between layers, not after the last
    MLP.forward 依次调用每一层（会触发钩子），层间加 ReLU，最后一层之后不加"""
    cases = []
    for sizes, batch in (([4, 16, 8, 3], 10), ([6, 2], 1)):
        x = torch.randn(batch, sizes[0], generator=rng)
        cases.append(
            {
                "sizes": sizes,
                "params": _negative_outputs(_mlp_params(rng, sizes), x),
                "x": x,
                "upstream": torch.randn(batch, sizes[-1], generator=rng),
            }
        )
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        sizes, params, x = case["sizes"], case["params"], case["x"]
        layers = got["layers"]
        assert len(layers) == len(sizes) - 1, (
            f"MLP({sizes}): expected {len(sizes) - 1} registered nn.Linear layers, got {len(layers)}"
        )
        _check_linear_shapes(layers, sizes, f"MLP({sizes})")
        expect.matches(
            got["out"],
            _mlp_reference(params, x),
            name=f"MLP({sizes})(x of shape {tuple(x.shape)})",
            why="layer after layer, with torch.relu between them but no ReLU on the output",
        )
        _backward_ran(got["backward"], f"MLP({sizes})")
        want = _reference_grads(lambda leaves: _mlp_reference(leaves, x), params, case["upstream"])
        _compare_grads(
            got["grads"],
            want,
            [f"layer {i}" for i in range(len(want))],
            f"MLP({sizes})",
            why="each layer once, in order, with nothing detached in between",
        )
        order = [f"layer {i}" for i in range(len(layers))]
        assert got["calls"] == order, (
            f"MLP({sizes}): the layers' forward hooks fired as {got['calls']}, expected {order}: call each layer "
            "as layer(x), not layer.forward(x) (only calling the module runs its hooks), each once, in order"
        )


def test_mlp_moves_with_model(rng):
    """MLP's layers follow the model when it is converted with .double()
    MLP 的各层会随 .double() 一起转换类型"""
    sizes = [4, 8, 2]
    x = torch.randn(3, 4, generator=rng, dtype=torch.float64)
    params = _negative_outputs(_mlp_params(rng, sizes, torch.float64), x)
    seen = yield {"sizes": sizes, "params": params, "x": x}
    for name, p in seen["parameters"].items():
        expect.dtype(p, torch.float64, name=f"parameter {name} after model.double()")
    layers = seen["layers"]
    assert len(layers) == 2, f"MLP({sizes}): expected 2 registered nn.Linear layers, got {len(layers)}. {PLAIN_LIST}"
    _check_linear_shapes(layers, sizes, f"MLP({sizes})")
    out = seen["out"]
    if isinstance(out, Raised) and out.type == "RuntimeError":
        raise AssertionError(f"MLP({sizes}).double() failed on float64 input: {_first_line(out)}. {PLAIN_LIST}")
    expect.matches(out, _mlp_reference(params, x), name=f"MLP({sizes}).double()(x)")


# --- exercise 2: RunningCenter --------------------------------------------------------------------


def test_running_center_buffer(rng):
    """RunningCenter keeps running_mean as a buffer: saved and moved, but not a parameter
    RunningCenter 把 running_mean 存为 buffer：会被保存和移动，但不是参数"""
    features = _int(rng, 3, 8)
    values = torch.randn(features, generator=rng)  # written into the buffer before .double()
    seen = yield {"features": features, "values": values}
    label = f"RunningCenter({features})"
    assert not seen["parameters"], (
        f"{label}.parameters() should be empty, got {seen['parameters']}: an nn.Parameter is trained by the "
        "optimizer; running statistics belong in a buffer (self.register_buffer)"
    )
    assert "running_mean" in seen["buffers"], (
        f"{label} should have a buffer named running_mean, its buffers are {seen['buffers']}: "
        "a plain tensor attribute is not saved in state_dict() and does not move with .to(); "
        'use self.register_buffer("running_mean", torch.zeros(num_features))'
    )
    expect.matches(seen["running_mean"], torch.zeros(features), name=f"running_mean of a new {label}")
    assert "running_mean" in seen["state_dict"], "running_mean is missing from state_dict(): register it as a buffer"
    expect.returned(seen["set"], name=f"writing values into running_mean (with torch.no_grad(): copy_) of a {label}")
    expect.dtype(
        seen["after_double"],
        torch.float64,
        name="running_mean after .double()",
        why="buffers are converted with the module",
    )
    expect.close(
        seen["after_double"],
        values.double(),
        name="running_mean after .double()",
        why=".double() converts the buffer and keeps its values",
    )
    expect.device(seen["after_meta"], "meta", name='running_mean after .to("meta")', why="buffers move with the module")


def test_running_center_train(rng):
    """In training mode RunningCenter subtracts the batch mean (gradient included) and updates the running mean
    训练模式下 RunningCenter 减去批均值（梯度也要正确），并更新滑动均值"""
    cases = [
        {
            "features": features,
            "momentum": momentum,
            "dtype": dtype,
            "steps": [
                (
                    torch.randn(batch, features, generator=rng, dtype=dtype) + 2.0,
                    torch.randn(batch, features, generator=rng, dtype=dtype),
                )
                for _ in range(2)
            ],
        }
        for features, batch, momentum, dtype in ((3, 8, 0.25, torch.float32), (4, 5, None, torch.float64))
    ]
    seen = yield cases
    for case, steps in zip(cases, seen, strict=True):
        features, momentum, dtype = case["features"], case["momentum"], case["dtype"]
        m = 0.1 if momentum is None else momentum  # the README's default momentum is 0.1
        label = f"RunningCenter({features}{'' if momentum is None else f', momentum={momentum}'}) on {dtype}"
        running = torch.zeros(features, dtype=dtype)
        for step, ((data, upstream), got) in enumerate(zip(case["steps"], steps, strict=True)):
            mean = data.mean(dim=0)
            running = (1 - m) * running + m * mean
            expect.close(
                got["out"],
                data - mean,
                name=f"{label} output in training mode (batch {step})",
                why="in training mode subtract this batch's own mean, x.mean(dim=0)",
            )
            expect.close(
                got["running_mean"],
                running,
                name=f"{label}: running_mean after batch {step}",
                why=f"running_mean ← (1 − momentum)·running_mean + momentum·batch mean, momentum {m}"
                + (" (the default)" if momentum is None else ""),
            )
            expect.requires_grad(
                got["running_mean"],
                False,
                name="running_mean after a training step",
                why="update it under torch.no_grad() (or with mean.detach()): otherwise the buffer "
                "drags every batch's graph along, wasting memory and breaking later backward() calls",
            )
            assert got["out"].requires_grad, (
                "the output should stay connected to x (requires_grad) so the model can learn"
            )
            expect.returned(got["backward"], name=f"{label}: out.backward(upstream) (batch {step})")
            # d/dx of (x - x.mean(0)), applied to upstream: the batch mean's share comes back as −mean(upstream).
            expect.close(
                got["x_grad"],
                upstream - upstream.mean(dim=0),
                name=f"{label}: x.grad after out.backward(upstream) (batch {step})",
                why="the output is x − x.mean(dim=0), and the mean depends on x too, so the gradient is "
                "upstream − upstream.mean(dim=0). A detached batch mean drops that second term: detach "
                "only the copy that goes into running_mean, never the mean you subtract",
            )


def test_running_center_eval(rng):
    """In eval mode RunningCenter subtracts the running mean and leaves it unchanged
    评估模式下 RunningCenter 减去滑动均值，且不改变它"""
    inputs = {
        "features": 3,
        "momentum": 0.5,
        "batch": torch.randn(6, 3, generator=rng) + 1.0,
        "running_mean": torch.randn(3, generator=rng),
        "x": torch.randn(5, 3, generator=rng) * 3,
        "upstream": torch.randn(5, 3, generator=rng),
    }
    seen = yield inputs
    x, running = inputs["x"], inputs["running_mean"]
    assert torch.equal(seen["x_after"], x), (
        "RunningCenter changed its input x in place in eval mode (x -= ... or x.sub_(...)): return x - running_mean, "
        "a new tensor; the caller may still need x"
    )
    expect.close(
        seen["running_mean"],
        running,
        name="running_mean after an eval-mode forward",
        why="eval mode must not update the statistics; check self.training",
    )
    expect.close(
        seen["out"],
        x - running,
        name="RunningCenter output in eval mode",
        why="in eval mode subtract the stored running_mean, not the batch's own mean",
    )
    expect.returned(seen["backward"], name="RunningCenter in eval mode: out.backward(upstream)")
    assert seen["x_grad"] is not None, "in eval mode RunningCenter's output is cut from x: do not detach it"
    expect.close(
        seen["x_grad"],
        inputs["upstream"],
        name="x.grad through RunningCenter in eval mode",
        why="x - running_mean passes the gradient through unchanged (the buffer is a constant)",
    )


# --- exercise 3: Classifier -----------------------------------------------------------------------


def test_classifier_structure(rng):
    """Classifier registers center and mlp as submodules with prefixed names
    Classifier 把 center 和 mlp 注册为子模块，名字带前缀"""
    sizes = (_int(rng, 2, 40), _int(rng, 2, 40), _int(rng, 2, 20))
    seen = yield sizes
    label = f"Classifier{sizes}"
    assert {"center", "mlp"} <= set(seen["children"]), (
        f"Classifier's registered submodules are {seen['children']}, expected center and mlp: assign them as "
        "self.center = RunningCenter(...) and self.mlp = MLP(...) in __init__"
    )
    names = [name for name, _ in seen["parameters"]]
    n_in, hidden, classes = sizes
    want = n_in * hidden + hidden + hidden * classes + classes
    total = sum(numel for _, numel in seen["parameters"])
    assert total == want and all(n.startswith("mlp.") for n in names), (
        f"{label} should have {want} parameter numbers, all named mlp.…, got {total} in {names}"
    )
    assert "center.running_mean" in seen["state_dict"], (
        "center.running_mean is missing from Classifier's state_dict(): the buffer of a registered submodule "
        "is saved under its prefixed name"
    )


def test_classifier_hooks(rng):
    """Classifier.forward calls its submodules, so their forward hooks fire
    Classifier.forward 调用子模块本身，因此它们的前向钩子会触发"""
    sizes = (_int(rng, 3, 8), _int(rng, 5, 12), _int(rng, 2, 5))
    x = torch.randn(_int(rng, 2, 8), sizes[0], generator=rng)
    params = _mlp_params(rng, list(sizes))
    seen = yield {"sizes": sizes, "x": x, "params": params}
    expect.returned(seen["out"], name=f"Classifier{sizes}(x of shape {tuple(x.shape)})")
    calls, watched = seen["calls"], seen["watched"]
    for name in watched:
        assert calls.count(name) == 1, (
            f"the forward hook of {name} fired {calls.count(name)} times during one model(x), expected once: "
            "call submodules as self.center(x), not self.center.forward(x); only calling the module runs "
            "its hooks (which tools such as profilers and feature extractors rely on)"
        )
    assert len(watched) == 4, f"Classifier{sizes}.mlp should hold 2 registered nn.Linear layers, got {len(watched) - 2}"
    assert calls.index("center") < calls.index("mlp layer 0"), (
        f"center should run before the mlp, the hooks fired as {calls}"
    )
    # the output with the judge's weights: a new model is in training mode, so center subtracts x's own mean
    _check_linear_shapes(seen["layers"], list(sizes), f"Classifier{sizes}.mlp")
    expect.close(
        seen["out"],
        _mlp_reference(params, x - x.mean(dim=0)),
        name=f"Classifier{sizes}(x) in training mode",
        why="mlp(center(x)), with center subtracting the batch mean in training mode",
    )


def test_classifier_train_eval(rng):
    """train() and eval() reach every submodule; in eval mode the output is deterministic
    train() 和 eval() 会传到每个子模块；评估模式下输出是确定的"""
    sizes = (5, 7, 4)
    batch, x = torch.randn(16, 5, generator=rng) + 1.0, torch.randn(3, 5, generator=rng)
    want_running = 0.1 * batch.mean(dim=0)  # one step from zeros with RunningCenter's default momentum, 0.1
    params = _negative_outputs(_mlp_params(rng, sizes), x - want_running)
    inputs = {
        "sizes": sizes,
        "params": params,
        "batch": batch,
        "x": x,
        "train_batch": torch.randn(6, 5, generator=rng),
        "upstream": torch.randn(6, 4, generator=rng),
    }
    seen = yield inputs
    label = f"Classifier{sizes}"
    expect.close(
        seen["running_mean"],
        want_running,
        name="Classifier's center.running_mean after one training batch",
        why="the Classifier's RunningCenter(in_features) uses the default momentum 0.1 (the new batch's "
        "weight, as in nn.BatchNorm; 0.9 would be the old value's weight, the Keras convention)",
    )
    assert not seen["still_training"], (
        f"after model.eval() these modules are still in training mode: {seen['still_training']}"
    )
    layers = seen["layers"]
    assert len(layers) == 2, f"{label}.mlp should hold 2 registered nn.Linear layers, got {len(layers)}"
    _check_linear_shapes(layers, list(sizes), f"{label}.mlp")
    expected = _mlp_reference(params, x - want_running)
    expect.close(
        seen["out"],
        expected,
        name=f"{label} output in eval mode",
        why="mlp(center(x)), with center subtracting its running mean in eval mode",
    )
    assert torch.equal(seen["x_after"], x), (
        f"{label} changed its input x in place in eval mode: the centering should return a new tensor, "
        "x - running_mean, not x.sub_(...); the caller may still need x"
    )
    expect.close(
        seen["again"], expected, name="a second eval-mode call on the same x", why="eval mode must be deterministic"
    )
    assert seen["submodules_training"], "after model.train() the submodules should be in training mode"
    train_batch = inputs["train_batch"]
    expect.returned(seen["train_out"], name=f"{label}(x) in training mode")
    _backward_ran(seen["backward"], f"{label} in training mode")
    centered = train_batch - train_batch.mean(dim=0)
    want = _reference_grads(lambda leaves: _mlp_reference(leaves, centered), params, inputs["upstream"])
    _compare_grads(
        seen["grads"],
        want,
        ["layer 0", "layer 1"],
        f"{label} in training mode",
        why="each layer once, in order, with nothing detached in between",
    )


# --- exercise 4: count_parameters -----------------------------------------------------------------


def test_count_parameters(rng):
    """count_parameters counts trainable numbers once, without buffers or frozen weights
    count_parameters 只统计可训练的数值（共享参数只算一次，不含 buffer 和冻结的权重）"""
    simple = (_int(rng, 2, 60), _int(rng, 1, 30))
    width = _int(rng, 4, 60)
    frozen_in = _int(rng, 2, 40)
    if frozen_in >= width:  # never the width, so each wrong count below has a total of its own
        frozen_in += 1
    seen = yield {"simple": simple, "width": width, "frozen_in": frozen_in}

    n_in, n_out = simple
    out = expect.returned(seen["simple"], name=f"count_parameters(nn.Linear({n_in}, {n_out}))")
    assert isinstance(out, int) and not isinstance(out, bool), (
        f"count_parameters should return a Python int, got {_kind(out)}: sum p.numel() over the parameters"
    )
    assert out == n_in * n_out + n_out, (
        f"count_parameters(nn.Linear({n_in}, {n_out})) should be {n_in * n_out + n_out} "
        f"({n_in * n_out} weights + {n_out} biases), got {out}"
    )

    # nn.Sequential(frozen Linear(frozen_in, width), BatchNorm1d(width), shared Linear(width, width), ReLU, shared)
    frozen, shared, buffers = frozen_in * width + width, width * width + width, 2 * width + 1
    want = 2 * width + shared  # BatchNorm's weight and bias, then the shared Linear once
    out = expect.returned(
        seen["model"], name="count_parameters(a model with a frozen layer, BatchNorm and a shared layer)"
    )
    diagnosis = {
        want + frozen: f"the frozen layer's {frozen} numbers were counted: skip parameters with requires_grad=False",
        want + shared: "the shared layer was counted twice: model.parameters() lists a shared parameter once",
        want
        + buffers: "BatchNorm's buffers (running_mean, running_var, num_batches_tracked) were counted: they are not parameters",
        want
        + frozen
        + buffers: "buffers and the frozen layer were counted (state_dict() holds both): use parameters() and requires_grad",
        want
        + frozen
        + buffers
        + shared: "state_dict() was counted: it holds buffers and frozen weights, and a shared layer "
        "under each of its names; use parameters() and requires_grad",
    }
    assert out == want, (
        f"count_parameters(a model with a frozen layer, BatchNorm and a shared layer) should be {want}, got {out}: "
        + diagnosis.get(out, "count p.numel() for p in model.parameters() if p.requires_grad")
    )


# --- exercises 5 and 6: conv_output_size and SmallCNN ----------------------------------------------


def _out_size(size, kernel, stride=1, padding=0, dilation=1):
    """The nn.Conv2d documentation's formula, the check's own copy."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _cnn_side(in_size):
    side = in_size
    for kernel, stride in ((3, 1), (2, 2), (3, 1), (2, 2)):
        side = _out_size(side, kernel, stride)
    return side


def _cnn_layers(seen, label):
    """The two Conv2d layers and the Linear layer the child found inside a SmallCNN, in registration order."""
    convs, linears = seen["convs"], seen["linears"]
    assert len(convs) == 2 and len(linears) == 1, (
        f"{label} should hold 2 registered nn.Conv2d layers and 1 nn.Linear, found {len(convs)} and {len(linears)}: "
        "create them in __init__ as attributes (or inside nn.Sequential), in the README's order"
    )
    return convs[0], convs[1], linears[0]


def _check_linear_size(in_features, in_size, c2, label):
    """The first Linear must take exactly what the shape arithmetic gives for in_size."""
    side = _cnn_side(in_size)
    no_pool = _out_size(_out_size(in_size, 3), 3)
    hint = {
        c2 * no_pool * no_pool: ": that is the size without the two poolings; each MaxPool2d(2) halves "
        "the side too (conv_output_size(side, 2, stride=2))",
        16 * 25: ": that is the 28×28 figure (16·5·5 = 400 with channels (8, 16)); compute the size "
        "from in_size and channels instead of hard-coding it",
        0: " (an nn.LazyLinear sizes itself from the first batch, so a wrong image size would go unnoticed)",
    }
    assert in_features == c2 * side * side, (
        f"{label}: the Linear layer takes {in_features} inputs, but after conv, pool, conv, pool a "
        f"{in_size}×{in_size} image is {c2}×{side}×{side} = {c2 * side * side} numbers"
        + hint.get(in_features, ": apply conv_output_size once per convolution and once per pooling")
    )


def _cnn_shapes(in_size, channels, classes):
    c1, c2 = channels
    side = _cnn_side(in_size)
    return [(c1, 1, 3, 3), (c2, c1, 3, 3), (classes, c2 * side * side)]


def _check_cnn(seen, in_size, channels, classes, label):
    """The layers' count and sizes, so the judge's weights fit them (the child loads them only then)."""
    conv1, conv2, linear = _cnn_layers(seen, label)
    shapes = _cnn_shapes(in_size, channels, classes)
    for name, conv, shape in (("first", conv1, shapes[0]), ("second", conv2, shapes[1])):
        why = f"nn.Conv2d({shape[1]}, {shape[0]}, kernel_size=3): the input has 1 channel (channels-first)"
        expect.shape(conv["weight"], shape, name=f"{label}: the {name} Conv2d's weight", why=why)
        expect.shape(conv["bias"], shape[:1], name=f"{label}: the {name} Conv2d's bias", why=why)
    _check_linear_size(linear["in_features"], in_size, channels[1], label)
    expect.shape(linear["weight"], shapes[2], name=f"{label}: the Linear layer's weight")
    expect.shape(linear["bias"], shapes[2][:1], name=f"{label}: the Linear layer's bias")
    return conv1, conv2, linear


def _cnn_reference(params, x):
    """What the README's SmallCNN computes with these (weight, bias) pairs: conv 1, conv 2, Linear."""
    (w1, b1), (w2, b2), (w3, b3) = params
    x = F.max_pool2d(F.relu(F.conv2d(x, w1, b1)), 2)
    x = F.max_pool2d(F.relu(F.conv2d(x, w2, b2)), 2)
    return F.linear(x.flatten(1), w3, b3)


def _cnn_output(out, label, x):
    """The learner's output, with torch's shape errors explained in the terms of this exercise."""
    if isinstance(out, Raised) and out.type == "RuntimeError":
        raise AssertionError(
            f"{label}(x of shape {tuple(x.shape)}) raised RuntimeError: {_first_line(out)}. The input is channels-first "
            "(N, 1, H, W), so do not permute it; flatten each image with nn.Flatten() or x.flatten(1) (view(-1) "
            "merges the whole batch into one row); and size the Linear with conv_output_size applied to both "
            "convolutions and both poolings"
        )
    return expect.returned(out, name=f"{label}(x of shape {tuple(x.shape)})")


def _label(in_size, channels, classes):
    return f"SmallCNN(in_size={in_size}, channels={channels}, num_classes={classes})"


# 17 is odd; at 30 every off-by-one in a kernel or stride changes the final side (at 28 some hide).
# (in_size, channels, num_classes, batch); each check adds one random case after these.
CNN_CASES = ((28, (8, 16), 10, 5), (28, (8, 16), 10, 1), (17, (5, 7), 3, 3), (30, (4, 6), 2, 7))


def _random_cnn_case(rng):
    return _int(rng, 10, 40), (_int(rng, 2, 8), _int(rng, 2, 8)), _int(rng, 2, 6), _int(rng, 1, 4)


def test_conv_output_size(rng):
    """conv_output_size gives the output length of a convolution or pooling as an int
    conv_output_size 以 int 形式给出卷积或池化的输出长度"""
    keywords = [
        ((28, 3), {}),
        ((28, 2), {"stride": 2}),
        ((13, 2), {"stride": 2}),
        ((15, 2), {"stride": 2}),
        ((7, 3), {"stride": 2, "padding": 1}),
        ((10, 3), {"stride": 1, "padding": 2, "dilation": 2}),
        ((5, 5), {}),
        ((33, 4), {"stride": 3, "padding": 1, "dilation": 2}),
        ((1, 1), {}),
    ]
    for _ in range(3):
        kernel, stride, padding, dilation = _int(rng, 1, 5), _int(rng, 1, 3), _int(rng, 0, 2), _int(rng, 1, 3)
        size = dilation * (kernel - 1) + 1 + _int(rng, 0, 30)  # at least one window fits
        keywords.append(((size, kernel), {"stride": stride, "padding": padding, "dilation": dilation}))
    positional = [(28, 3, 1, 0, 1), (19, 5, 2, 2, 1), (12, 3, 2, 1, 3)]
    seen = yield {"keywords": keywords, "positional": positional}
    for (args, kwargs), got in zip(keywords, seen["keywords"], strict=True):
        want = _out_size(*args, **kwargs)
        call = f"conv_output_size({', '.join(map(str, args))}{''.join(f', {k}={v}' for k, v in kwargs.items())})"
        expect.returned(got, name=call)
        assert isinstance(got, int) and not isinstance(got, bool), (
            f"{call} should return a Python int, got {_kind(got)} {got!r}: use // (floor division), "
            "not /, which gives a float"
        )
        assert got == want, (
            f"{call} should be {want}, got {got}: out = (size + 2*padding - dilation*(kernel - 1) - 1) // stride + 1; "
            "round down (an incomplete last window is dropped), and keep the dilation term"
        )
    for (size, kernel, stride, padding, dilation), got in zip(positional, seen["positional"], strict=True):
        expect.returned(got, name=f"conv_output_size({size}, {kernel}, {stride}, {padding}, {dilation})")
        real = F.conv2d(
            torch.zeros(1, 1, size, size),
            torch.zeros(1, 1, kernel, kernel),
            stride=stride,
            padding=padding,
            dilation=dilation,
        ).shape[-1]
        assert got == real, (
            f"conv_output_size({size}, {kernel}, {stride}, {padding}, {dilation}) gave {got}, but nn.Conv2d really "
            f"outputs {real}: the arguments are (size, kernel, stride, padding, dilation), in that order"
        )


def test_small_cnn_layers(rng):
    """SmallCNN has the README's layers, with the first Linear sized by the shape arithmetic
    SmallCNN 含有 README 中的各层，第一个 Linear 的大小由形状计算得出"""
    cases = [case[:3] for case in CNN_CASES[::2] + CNN_CASES[3:] + (_random_cnn_case(rng),)]
    seen = yield cases
    for (in_size, (c1, c2), classes), got in zip(cases, seen, strict=True):
        label = _label(in_size, (c1, c2), classes)
        conv1, conv2, linear = _cnn_layers(got, label)
        shapes = _cnn_shapes(in_size, (c1, c2), classes)
        for name, conv, shape in (("first", conv1, shapes[0]), ("second", conv2, shapes[1])):
            expect.shape(
                conv["weight"],
                shape,
                name=f"{label}: the {name} Conv2d's weight",
                why=f"nn.Conv2d({shape[1]}, {shape[0]}, kernel_size=3): the input has 1 channel (channels-first)",
            )
            assert conv["stride"] == (1, 1) and conv["padding"] == (0, 0) and conv["dilation"] == (1, 1), (
                f"{label}: the {name} Conv2d has stride {conv['stride']}, padding {conv['padding']}, dilation "
                f"{conv['dilation']}; the README's layer keeps the defaults (1, 0, 1)"
            )
        side = _cnn_side(in_size)
        _check_linear_size(linear["in_features"], in_size, c2, label)
        expect.shape(linear["weight"], shapes[2], name=f"{label}: the Linear layer's weight")
        want = (9 * c1 + c1) + (9 * c1 * c2 + c2) + (c2 * side * side * classes + classes)
        assert got["numel"] == want, (
            f"{label} should have {want} parameters (conv 1: 9·{c1} + {c1}, conv 2: 9·{c1}·{c2} + {c2}, linear: "
            f"{c2 * side * side}·{classes} + {classes}), got {got['numel']}: ReLU, pooling and flattening have none"
        )


@pytest.mark.points(2)
def test_small_cnn_forward(rng, device):
    """SmallCNN maps channels-first images to (N, num_classes), for several sizes and batch sizes
    SmallCNN 把通道在前的图像映射为 (N, num_classes)，适用于多种尺寸和批大小"""
    cases = []
    for in_size, channels, classes, batch in CNN_CASES + (_random_cnn_case(rng),):
        cases.append(
            {
                "in_size": in_size,
                "channels": channels,
                "classes": classes,
                "params": _layer_params(rng, _cnn_shapes(in_size, channels, classes)),
                "x": torch.rand(batch, 1, in_size, in_size, generator=rng),
            }
        )
    seen = yield cases
    # Convolutions on an accelerator may use TF32 or another algorithm: allow for rounding there.
    tolerance = {} if device.type == "cpu" else {"rtol": 1e-3, "atol": 1e-3}
    for case, got in zip(cases, seen, strict=True):
        in_size, channels, classes, x = case["in_size"], case["channels"], case["classes"], case["x"]
        label = _label(in_size, channels, classes)
        _check_cnn(got, in_size, channels, classes, label)
        out = _cnn_output(got["out"], label, x)
        assert torch.equal(got["x_after"], x), f"{label} changed its input x in place"
        assert got["conv1_inputs"] == [tuple(x.shape)], (
            f"{label}'s first Conv2d saw inputs of shapes {got['conv1_inputs']} for x of shape {tuple(x.shape)}: pass "
            "the channels-first (N, 1, H, W) batch straight in, once"
        )
        name = f"{label}(x of shape {tuple(x.shape)})"
        expect.shape(
            out,
            (x.shape[0], classes),
            name=name,
            why="one row of class scores per image, batch of 1 included: flatten with start_dim=1 and "
            "do not squeeze() (it drops the batch axis of a single image)",
        )
        expect.dtype(out, torch.float32, name=name)
        expect.device(out, device, name=name)
        expect.close(
            out,
            _cnn_reference(case["params"], x),
            name=name,
            why="conv → ReLU → MaxPool2d(2), twice, then flatten each image in (C, H, W) order and apply the Linear",
            **tolerance,
        )


def test_small_cnn_gradients(rng):
    """Gradients reach every SmallCNN layer, and they are the right ones
    梯度能到达 SmallCNN 的每一层，并且数值正确"""
    in_size, channels, classes = 22, (3, 4), 5
    params = _layer_params(rng, _cnn_shapes(in_size, channels, classes), torch.float64)  # float64: exact comparison
    inputs = {
        "in_size": in_size,
        "channels": channels,
        "classes": classes,
        "params": params,
        "x": torch.rand(6, 1, in_size, in_size, generator=rng, dtype=torch.float64),
        "upstream": torch.randn(6, classes, generator=rng, dtype=torch.float64),
    }
    seen = yield inputs
    label = _label(in_size, channels, classes)
    _check_cnn(seen, in_size, channels, classes, label)
    _cnn_output(seen["out"], label, inputs["x"])
    assert seen["out_requires_grad"], (
        f"{label}'s output does not require grad: no layer would learn (a detach() or no_grad in forward?)"
    )
    _backward_ran(seen["backward"], label)
    want = _reference_grads(lambda leaves: _cnn_reference(leaves, inputs["x"]), params, inputs["upstream"])
    for name, got, (w_grad, b_grad) in zip(
        ("first Conv2d", "second Conv2d", "Linear"), seen["grads"], want, strict=True
    ):
        for part, expected in (("weight", w_grad), ("bias", b_grad)):
            assert got[part] is not None, (
                f"no gradient reached the {name}'s {part}: something in forward cuts the graph (detach(), .data, "
                "torch.no_grad() or a NumPy round trip)"
            )
            expect.close(
                got[part],
                expected,
                name=f"the gradient of the {name}'s {part}",
                why="the layers should be used once each, in the README's order",
            )


def test_small_cnn_wrong_size(rng):
    """SmallCNN(in_size=28) refuses a 32×32 image instead of silently returning something
    SmallCNN(in_size=28) 会拒绝 32×32 的图像，而不是悄悄返回某个结果"""
    in_size, channels, classes = 28, (8, 16), 10  # SmallCNN's defaults
    params = _layer_params(rng, _cnn_shapes(in_size, channels, classes))
    right = torch.rand(_int(rng, 1, 4), 1, in_size, in_size, generator=rng)
    seen = yield {"in_size": in_size, "x": torch.rand(2, 1, 32, 32, generator=rng), "params": params, "right": right}
    out = seen["wrong"]
    if not isinstance(out, Raised):  # any clear error is what the README promises
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else _kind(out)
        raise AssertionError(
            f"SmallCNN(in_size=28) accepted a 32×32 image and returned {shape}: the README says it raises, because "
            "after conv, pool, conv, pool a 32×32 image is 16×6×6 = 576 numbers and the Linear takes 16×5×5 = 400. "
            "Size the Linear with conv_output_size from in_size (no LazyLinear, no adaptive pooling, no cropping)"
        )
    # ... and the same model still works on a 28×28 batch (with the judge's weights): it refused the size only
    label = _label(in_size, channels, classes)
    _check_cnn(seen, in_size, channels, classes, label)
    expect.close(
        _cnn_output(seen["right"], label, right),
        _cnn_reference(params, right),
        name=f"{label}(x of shape {tuple(right.shape)}) after it refused a 32×32 image",
        why="conv → ReLU → MaxPool2d(2), twice, then flatten each image and apply the Linear",
    )
