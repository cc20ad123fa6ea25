"""Judge halves of the modules checks (exercise halves: exercise_modules.py). Each docstring: English
title, then Chinese title. Inputs and layer weights come from `rng`; the child copies the weights into
the learner's layers, so every expected output and gradient is computed here from values the judge chose.
Every failure message is given in English and Chinese (`both`)."""

from collections import Counter

import pytest
import torch
from torch.nn import functional as F

from grader import expect
from grader.bilingual import Text, both, sentence
from grader.observations import Opaque, Raised

PLAIN_LIST = both(
    "layers kept in a plain Python list (or dict) are invisible to PyTorch: parameters(), .to(), "
    "state_dict() and the optimizer never see them; use nn.ModuleList or nn.Sequential",
    "放在普通 Python list（或 dict）里的层对 PyTorch 不可见：parameters()、.to()、state_dict() "
    "和优化器都看不到它们；请改用 nn.ModuleList 或 nn.Sequential",
)
# A layer's (weight, bias) by the key the child reports them under, with each one's name in both languages.
PARTS = (("weight", both("weight", "权重")), ("bias", both("bias", "偏置")))


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


def _layer_name(i: int) -> Text:
    return both(f"layer {i}", f"第 {i} 层")


def _compare_grads(seen, want, names: list[Text], label: Text, why: Text) -> None:
    """The gradients the child saw on each layer's weight and bias against the reference ones."""
    for name, got, (w_grad, b_grad) in zip(names, seen, want, strict=True):
        for (key, part), expected in zip(PARTS, (w_grad, b_grad)):
            assert got[key] is not None, both(
                "{label}: no gradient reached {name}'s {part}: something in forward cuts the graph "
                "(.detach(), .data, torch.no_grad() or a NumPy round trip)",
                "{label}：{name}的{part}没有收到梯度：forward 中有操作切断了计算图"
                "（.detach()、.data、torch.no_grad()，或先转成 NumPy 再转回来）",
            ).format(label=label, name=name, part=part)
            expect.close(
                got[key],
                expected,
                name=both("{label}: the gradient of {name}'s {part}", "{label}：{name}的{part}梯度").format(
                    label=label, name=name, part=part
                ),
                why=why,
            )


def _layer_why(i: int, a: int, b: int) -> Text:
    return both(
        f"layer {i} maps {a} features to {b}: nn.Linear({a}, {b}), in order",
        f"第 {i} 层把 {a} 个特征映射为 {b} 个：按顺序使用 nn.Linear({a}, {b})",
    )


def _check_linear_shapes(layers, sizes, label: str) -> None:
    """Each observed Linear maps sizes[i] features to sizes[i + 1]."""
    for i, (layer, a, b) in enumerate(zip(layers, sizes[:-1], sizes[1:], strict=True)):
        why = _layer_why(i, a, b)
        weight = both(f"{label}: layer {i}'s weight", f"{label}：第 {i} 层权重")
        expect.shape(layer["weight"], (b, a), name=weight, why=why)
        expect.shape(layer["bias"], (b,), name=both(f"{label}: layer {i}'s bias", f"{label}：第 {i} 层偏置"), why=why)


def _backward_ran(backward, label: Text) -> None:
    expect.returned(
        backward,
        name=both("{label}: out.backward(upstream)", "{label}：out.backward(upstream)").format(label=label),
        why=both(
            "the output should stay connected to the parameters so the model can learn",
            "输出应与参数保持在同一张计算图中，模型才能学习",
        ),
    )


def _mlp_layer_count(label: str, got: int) -> Text:
    return both(
        f"{label}.mlp should hold 2 registered nn.Linear layers, got {got}",
        f"{label}.mlp 应包含 2 个已注册的 nn.Linear 层，实际是 {got} 个",
    )


EACH_LAYER_ONCE = both(
    "each layer once, in order, with nothing detached in between", "每层按顺序各调用一次，中间不能有任何 detach"
)


# --- exercise 1: MLP ------------------------------------------------------------------------------


def test_mlp_parameters(rng):
    """MLP registers every layer, so parameters() and the optimizer see all weights
    MLP 注册了每一层，parameters() 和优化器都能看到所有权重"""
    cases = [[5, 7, 3], [4, 16, 8, 3], [6, 2], [_int(rng, 1, 32) for _ in range(_int(rng, 2, 5))]]
    seen = yield cases
    for sizes, got in zip(cases, seen, strict=True):
        layers = got["layers"]
        assert len(layers) == len(sizes) - 1, sentence(
            both(
                f"MLP({sizes}): model.modules() finds {len(layers)} nn.Linear layers, expected {len(sizes) - 1}",
                f"MLP({sizes})：model.modules() 找到 {len(layers)} 个 nn.Linear 层，应为 {len(sizes) - 1} 个",
            ),
            PLAIN_LIST
            if not layers
            else both("one Linear per pair of neighbouring sizes", "每对相邻尺寸对应一个 Linear"),
        )
        for i, (layer, a, b) in enumerate(zip(layers, sizes[:-1], sizes[1:])):
            expect.shape(
                layer["weight"],
                (b, a),
                name=both(f"MLP({sizes}): layer {i}'s weight", f"MLP({sizes})：第 {i} 层权重"),
                why=_layer_why(i, a, b),
            )
        params = got["parameters"]
        want = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        total = sum(numel for _, numel in params)
        assert params, sentence(
            both(
                f"MLP({sizes}).parameters() is empty, so an optimizer would raise 'optimizer got an empty parameter list'",
                f"MLP({sizes}).parameters() 为空，优化器会报错 `optimizer got an empty parameter list`",
            ),
            PLAIN_LIST,
        )
        assert len(params) == 2 * (len(sizes) - 1) and total == want, both(
            f"MLP({sizes}).parameters() should list {2 * (len(sizes) - 1)} tensors with {want} numbers in all, "
            f"got {len(params)} tensors with {total} numbers",
            f"MLP({sizes}).parameters() 应列出 {2 * (len(sizes) - 1)} 个张量，共 {want} 个数，"
            f"实际是 {len(params)} 个张量，共 {total} 个数",
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
        assert len(layers) == len(sizes) - 1, both(
            f"MLP({sizes}): expected {len(sizes) - 1} registered nn.Linear layers, got {len(layers)}",
            f"MLP({sizes})：应有 {len(sizes) - 1} 个已注册的 nn.Linear 层，实际是 {len(layers)} 个",
        )
        _check_linear_shapes(layers, sizes, f"MLP({sizes})")
        expect.matches(
            got["out"],
            _mlp_reference(params, x),
            name=both(f"MLP({sizes})(x of shape {tuple(x.shape)})", f"MLP({sizes})(形状为 {tuple(x.shape)} 的 x)"),
            why=both(
                "layer after layer, with torch.relu between them but no ReLU on the output",
                "逐层计算，层与层之间用 torch.relu，输出上不加 ReLU",
            ),
        )
        _backward_ran(got["backward"], f"MLP({sizes})")
        want = _reference_grads(lambda leaves: _mlp_reference(leaves, x), params, case["upstream"])
        _compare_grads(
            got["grads"],
            want,
            [_layer_name(i) for i in range(len(want))],
            f"MLP({sizes})",
            why=EACH_LAYER_ONCE,
        )
        order = [f"layer {i}" for i in range(len(layers))]
        assert got["calls"] == order, both(
            f"MLP({sizes}): the layers' forward hooks fired as {got['calls']}, expected {order}: call each layer "
            "as layer(x), not layer.forward(x) (only calling the module runs its hooks), each once, in order",
            f"MLP({sizes})：各层前向钩子的触发顺序是 {got['calls']}，应为 {order}：请用 layer(x) 调用每一层，"
            "而不是 layer.forward(x)（只有调用模块本身才会运行它的钩子），每层一次，按顺序",
        )


def test_mlp_moves_with_model(rng):
    """MLP's layers follow the model when it is converted with .double()
    MLP 的各层会随 .double() 一起转换类型"""
    sizes = [4, 8, 2]
    x = torch.randn(3, 4, generator=rng, dtype=torch.float64)
    params = _negative_outputs(_mlp_params(rng, sizes, torch.float64), x)
    seen = yield {"sizes": sizes, "params": params, "x": x}
    for name, p in seen["parameters"].items():
        expect.dtype(
            p, torch.float64, name=both(f"parameter {name} after model.double()", f"model.double() 后参数 {name}")
        )
    layers = seen["layers"]
    assert len(layers) == 2, sentence(
        both(
            f"MLP({sizes}): expected 2 registered nn.Linear layers, got {len(layers)}",
            f"MLP({sizes})：应有 2 个已注册的 nn.Linear 层，实际是 {len(layers)} 个",
        ),
        PLAIN_LIST,
    )
    _check_linear_shapes(layers, sizes, f"MLP({sizes})")
    out = seen["out"]
    if isinstance(out, Raised) and out.type == "RuntimeError":
        raise AssertionError(
            sentence(
                both(
                    f"MLP({sizes}).double() failed on float64 input: {_first_line(out)}",
                    f"MLP({sizes}).double() 在 float64 输入上出错，抛出 {out.type}: {_first_line(out)}",
                ),
                PLAIN_LIST,
            )
        )
    expect.matches(out, _mlp_reference(params, x), name=f"MLP({sizes}).double()(x)")


# --- exercise 2: RunningCenter --------------------------------------------------------------------


def test_running_center_buffer(rng):
    """RunningCenter keeps running_mean as a buffer: saved and moved, but not a parameter
    RunningCenter 把 running_mean 存为 buffer：会被保存和移动，但不是参数"""
    features = _int(rng, 3, 8)
    values = torch.randn(features, generator=rng)  # written into the buffer before .double()
    seen = yield {"features": features, "values": values}
    label = f"RunningCenter({features})"
    assert not seen["parameters"], both(
        f"{label}.parameters() should be empty, got {seen['parameters']}: an nn.Parameter is trained by the "
        "optimizer; running statistics belong in a buffer (self.register_buffer)",
        f"{label}.parameters() 应为空，实际是 {seen['parameters']}：nn.Parameter 会被优化器训练，"
        "滑动统计量应放在 buffer（缓冲区）里（self.register_buffer）",
    )
    assert "running_mean" in seen["buffers"], both(
        f"{label} should have a buffer named running_mean, its buffers are {seen['buffers']}: "
        "a plain tensor attribute is not saved in state_dict() and does not move with .to(); "
        'use self.register_buffer("running_mean", torch.zeros(num_features))',
        f"{label} 应有一个名为 running_mean 的 buffer（缓冲区），它现有的 buffer 是 {seen['buffers']}："
        "普通的张量属性不会保存进 state_dict()，也不会随 .to() 移动；"
        '请用 self.register_buffer("running_mean", torch.zeros(num_features))',
    )
    expect.matches(
        seen["running_mean"],
        torch.zeros(features),
        name=both(f"running_mean of a new {label}", f"新建的 {label} 中 running_mean"),
    )
    assert "running_mean" in seen["state_dict"], both(
        "running_mean is missing from state_dict(): register it as a buffer",
        "state_dict() 中缺少 running_mean：请把它注册为 buffer",
    )
    expect.returned(
        seen["set"],
        name=both(
            f"writing values into running_mean (with torch.no_grad(): copy_) of a {label}",
            f"向 {label} 的 running_mean 写入数值（在 with torch.no_grad(): 下用 copy_）",
        ),
    )
    after_double = both("running_mean after .double()", "调用 .double() 后 running_mean")
    expect.dtype(
        seen["after_double"],
        torch.float64,
        name=after_double,
        why=both("buffers are converted with the module", "buffer 会随模块一起转换"),
    )
    expect.close(
        seen["after_double"],
        values.double(),
        name=after_double,
        why=both(".double() converts the buffer and keeps its values", ".double() 会转换 buffer，并保留它的数值"),
    )
    expect.device(
        seen["after_meta"],
        "meta",
        name=both('running_mean after .to("meta")', '调用 .to("meta") 后 running_mean'),
        why=both("buffers move with the module", "buffer 会随模块一起移动"),
    )


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
            "no_grad_batch": torch.randn(batch, features, generator=rng, dtype=dtype) - 1.0,
        }
        for features, batch, momentum, dtype in ((3, 8, 0.25, torch.float32), (4, 5, None, torch.float64))
    ]
    seen = yield cases
    for case, got_case in zip(cases, seen, strict=True):
        steps = got_case["steps"]
        features, momentum, dtype = case["features"], case["momentum"], case["dtype"]
        m = 0.1 if momentum is None else momentum  # the README's default momentum is 0.1
        module = f"RunningCenter({features}{'' if momentum is None else f', momentum={momentum}'})"
        label = both(f"{module} on {dtype}", f"{module}（{dtype}）")
        running = torch.zeros(features, dtype=dtype)
        for step, ((data, upstream), got) in enumerate(zip(case["steps"], steps, strict=True)):
            mean = data.mean(dim=0)
            running = (1 - m) * running + m * mean
            expect.close(
                got["out"],
                data - mean,
                name=both(
                    "{label} output in training mode (batch {step})", "{label}：训练模式下的输出（批次 {step}）"
                ).format(label=label, step=step),
                why=both(
                    "in training mode subtract this batch's own mean, x.mean(dim=0)",
                    "训练模式下应减去本批次自己的均值 x.mean(dim=0)",
                ),
            )
            expect.close(
                got["running_mean"],
                running,
                name=both(
                    "{label}: running_mean after batch {step}", "{label}：处理完批次 {step} 后 running_mean"
                ).format(label=label, step=step),
                why=both(
                    f"running_mean ← (1 − momentum)·running_mean + momentum·batch mean, momentum {m}"
                    + (" (the default)" if momentum is None else ""),
                    f"running_mean ← (1 − momentum)·running_mean + momentum·批均值，momentum 为 {m}"
                    + ("（默认值）" if momentum is None else ""),
                ),
            )
            expect.requires_grad(
                got["running_mean"],
                False,
                name=both("running_mean after a training step", "训练一步后 running_mean"),
                why=both(
                    "update it under torch.no_grad() (or with mean.detach()): otherwise the buffer "
                    "drags every batch's graph along, wasting memory and breaking later backward() calls",
                    "请在 torch.no_grad() 下（或用 mean.detach()）更新它：否则这个 buffer 会把每个批次的计算图"
                    "都一直拖着，既浪费内存，又会让之后的 backward() 调用出错",
                ),
            )
            assert got["out"].requires_grad, both(
                "the output should stay connected to x (requires_grad) so the model can learn",
                "输出应与 x 保持在同一张计算图中（requires_grad），模型才能学习",
            )
            expect.returned(
                got["backward"],
                name=both(
                    "{label}: out.backward(upstream) (batch {step})", "{label}：out.backward(upstream)（批次 {step}）"
                ).format(label=label, step=step),
            )
            # d/dx of (x - x.mean(0)), applied to upstream: the batch mean's share comes back as −mean(upstream).
            expect.close(
                got["x_grad"],
                upstream - upstream.mean(dim=0),
                name=both(
                    "{label}: x.grad after out.backward(upstream) (batch {step})",
                    "{label}：out.backward(upstream) 之后的 x.grad（批次 {step}）",
                ).format(label=label, step=step),
                why=both(
                    "the output is x − x.mean(dim=0), and the mean depends on x too, so the gradient is "
                    "upstream − upstream.mean(dim=0). A detached batch mean drops that second term: detach "
                    "only the copy that goes into running_mean, never the mean you subtract",
                    "输出是 x − x.mean(dim=0)，而均值也依赖于 x，所以梯度是 upstream − upstream.mean(dim=0)。"
                    "对批均值做 detach 会丢掉第二项：只 detach 写入 running_mean 的那份副本，"
                    "绝不要 detach 被减去的那个均值",
                ),
            )
        # training mode under torch.no_grad(), as BatchNorm: still this batch's mean, still an update
        data, got = case["no_grad_batch"], got_case["no_grad"]
        mean = data.mean(dim=0)
        why = both(
            "training mode is self.training alone: under torch.no_grad() (a pass that only gathers statistics) "
            "the module still subtracts the batch mean and updates running_mean, as nn.BatchNorm does",
            "训练模式只由 self.training 决定：在 torch.no_grad() 下（只收集统计量的一次前向）模块仍要减去批均值"
            "并更新 running_mean，nn.BatchNorm 也是这样",
        )
        expect.close(
            got["out"],
            data - mean,
            name=both(
                "{label} output in training mode under torch.no_grad()", "{label}：torch.no_grad() 下训练模式的输出"
            ).format(label=label),
            why=why,
        )
        expect.close(
            got["running_mean"],
            (1 - m) * running + m * mean,
            name=both(
                "{label}: running_mean after a batch under torch.no_grad()",
                "{label}：torch.no_grad() 下处理一个批次后的 running_mean",
            ).format(label=label),
            why=why,
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
    assert torch.equal(seen["x_after"], x), both(
        "RunningCenter changed its input x in place in eval mode (x -= ... or x.sub_(...)): return x - running_mean, "
        "a new tensor; the caller may still need x",
        "评估模式下 RunningCenter 原地修改了输入 x（x -= ... 或 x.sub_(...)）：请返回新张量 x - running_mean；"
        "调用方可能还要用到 x",
    )
    expect.close(
        seen["running_mean"],
        running,
        name=both("running_mean after an eval-mode forward", "评估模式下前向计算后 running_mean"),
        why=both(
            "eval mode must not update the statistics; check self.training",
            "评估模式下不能更新统计量；请检查 self.training",
        ),
    )
    expect.close(
        seen["out"],
        x - running,
        name=both("RunningCenter output in eval mode", "评估模式下 RunningCenter 输出"),
        why=both(
            "in eval mode subtract the stored running_mean, not the batch's own mean",
            "评估模式下应减去保存的 running_mean，而不是本批次自己的均值",
        ),
    )
    expect.returned(
        seen["backward"],
        name=both(
            "RunningCenter in eval mode: out.backward(upstream)", "评估模式下的 RunningCenter：out.backward(upstream)"
        ),
    )
    assert seen["x_grad"] is not None, both(
        "in eval mode RunningCenter's output is cut from x: do not detach it",
        "评估模式下 RunningCenter 的输出与 x 断开了：不要对它 detach",
    )
    expect.close(
        seen["x_grad"],
        inputs["upstream"],
        name=both("x.grad through RunningCenter in eval mode", "评估模式下经过 RunningCenter 传回的 x.grad"),
        why=both(
            "x - running_mean passes the gradient through unchanged (the buffer is a constant)",
            "x - running_mean 会把梯度原样传回（buffer 是常量）",
        ),
    )


# --- exercise 3: Classifier -----------------------------------------------------------------------


def test_classifier_structure(rng):
    """Classifier registers center and mlp as submodules with prefixed names
    Classifier 把 center 和 mlp 注册为子模块，名字带前缀"""
    sizes = (_int(rng, 2, 40), _int(rng, 2, 40), _int(rng, 2, 20))
    seen = yield sizes
    label = f"Classifier{sizes}"
    assert {"center", "mlp"} <= set(seen["children"]), both(
        f"Classifier's registered submodules are {seen['children']}, expected center and mlp: assign them as "
        "self.center = RunningCenter(...) and self.mlp = MLP(...) in __init__",
        f"Classifier 已注册的子模块是 {seen['children']}，应有 center 和 mlp：请在 __init__ 中赋值 "
        "self.center = RunningCenter(...) 和 self.mlp = MLP(...)",
    )
    names = [name for name, _ in seen["parameters"]]
    n_in, hidden, classes = sizes
    # Each tensor's size, not only the total: many size triples share a total, few share all four.
    want = sorted([n_in * hidden, hidden, hidden * classes, classes])
    got = sorted(numel for _, numel in seen["parameters"])
    assert got == want and all(n.startswith("mlp.") for n in names), both(
        f"{label} should have parameters of {want} numbers (the two Linear layers' weights and biases), "
        f"all named mlp.…, got {got} in {names}",
        f"{label} 的参数应分别有 {want} 个数值（两个 Linear 层的权重和偏置），且名字都以 mlp. 开头，"
        f"实际为 {got}，名字为 {names}",
    )
    assert "center.running_mean" in seen["state_dict"], both(
        "center.running_mean is missing from Classifier's state_dict(): the buffer of a registered submodule "
        "is saved under its prefixed name",
        "Classifier 的 state_dict() 中缺少 center.running_mean：已注册子模块的 buffer 会以带前缀的名字保存",
    )


def test_classifier_hooks(rng):
    """Classifier.forward calls its submodules, so their forward hooks fire
    Classifier.forward 调用子模块本身，因此它们的前向钩子会触发"""
    sizes = (_int(rng, 3, 8), _int(rng, 5, 12), _int(rng, 2, 5))
    x = torch.randn(_int(rng, 2, 8), sizes[0], generator=rng)
    params = _mlp_params(rng, list(sizes))
    seen = yield {"sizes": sizes, "x": x, "params": params}
    expect.returned(
        seen["out"],
        name=both(
            f"Classifier{sizes}(x of shape {tuple(x.shape)})", f"Classifier{sizes}(形状为 {tuple(x.shape)} 的 x)"
        ),
    )
    calls, watched = seen["calls"], seen["watched"]
    fired = Counter(calls)  # one pass: the lists come from the learner's process, at any length
    for name in watched:
        assert fired[name] == 1, both(
            f"the forward hook of {name} fired {fired[name]} times during one model(x), expected once: "
            "call submodules as self.center(x), not self.center.forward(x); only calling the module runs "
            "its hooks (which tools such as profilers and feature extractors rely on)",
            f"一次 model(x) 中，{name} 的前向钩子触发了 {fired[name]} 次，应为一次：请用 self.center(x) "
            "调用子模块，而不是 self.center.forward(x)；只有调用模块本身才会运行它的钩子"
            "（性能分析器、特征提取器等工具都依赖这些钩子）",
        )
    assert len(watched) == 4, _mlp_layer_count(f"Classifier{sizes}", len(watched) - 2)
    # the hook names hold spaces ('mlp layer 0'): code quotes in the Chinese text
    assert calls.index("center") < calls.index("mlp layer 0"), both(
        f"center should run before the mlp, the hooks fired as {calls}",
        f"center 应在 mlp 之前运行，钩子的触发顺序是 `{calls}`",
    )
    # the output with the judge's weights: a new model is in training mode, so center subtracts x's own mean
    _check_linear_shapes(seen["layers"], list(sizes), f"Classifier{sizes}.mlp")
    expect.close(
        seen["out"],
        _mlp_reference(params, x - x.mean(dim=0)),
        name=both(f"Classifier{sizes}(x) in training mode", f"训练模式下的 Classifier{sizes}(x)"),
        why=both(
            "mlp(center(x)), with center subtracting the batch mean in training mode",
            "mlp(center(x))，训练模式下 center 减去本批次的均值",
        ),
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
        name=both(
            "Classifier's center.running_mean after one training batch",
            "训练一个批次后 Classifier 中 center.running_mean",
        ),
        why=both(
            "the Classifier's RunningCenter(in_features) uses the default momentum 0.1 (the new batch's "
            "weight, as in nn.BatchNorm; 0.9 would be the old value's weight, the Keras convention)",
            "Classifier 中的 RunningCenter(in_features) 使用默认的 momentum 0.1（即新批次的权重，与 nn.BatchNorm "
            "相同；0.9 是旧值的权重，那是 Keras 的约定）",
        ),
    )
    assert not seen["still_training"], both(
        f"after model.eval() these modules are still in training mode: {seen['still_training']}",
        f"调用 model.eval() 之后，这些模块仍处于训练模式：{seen['still_training']}",
    )
    layers = seen["layers"]
    assert len(layers) == 2, _mlp_layer_count(label, len(layers))
    _check_linear_shapes(layers, list(sizes), f"{label}.mlp")
    expected = _mlp_reference(params, x - want_running)
    expect.close(
        seen["out"],
        expected,
        name=both(f"{label} output in eval mode", f"评估模式下 {label} 输出"),
        why=both(
            "mlp(center(x)), with center subtracting its running mean in eval mode",
            "mlp(center(x))，评估模式下 center 减去它的滑动均值",
        ),
    )
    assert torch.equal(seen["x_after"], x), both(
        f"{label} changed its input x in place in eval mode: the centering should return a new tensor, "
        "x - running_mean, not x.sub_(...); the caller may still need x",
        f"评估模式下 {label} 原地修改了输入 x：中心化应返回新张量 x - running_mean，而不是 x.sub_(...)；"
        "调用方可能还要用到 x",
    )
    expect.close(
        seen["again"],
        expected,
        name=both("a second eval-mode call on the same x", "评估模式下对同一个 x 的第二次调用"),
        why=both("eval mode must be deterministic", "评估模式下的输出必须是确定的"),
    )
    assert seen["submodules_training"], both(
        "after model.train() the submodules should be in training mode", "调用 model.train() 之后，子模块应处于训练模式"
    )
    train_batch = inputs["train_batch"]
    expect.returned(seen["train_out"], name=both(f"{label}(x) in training mode", f"训练模式下的 {label}(x)"))
    in_training = both(f"{label} in training mode", f"训练模式下的 {label}")
    _backward_ran(seen["backward"], in_training)
    centered = train_batch - train_batch.mean(dim=0)
    want = _reference_grads(lambda leaves: _mlp_reference(leaves, centered), params, inputs["upstream"])
    _compare_grads(
        seen["grads"],
        want,
        [_layer_name(0), _layer_name(1)],
        in_training,
        why=EACH_LAYER_ONCE,
    )
    # ... and on to the input: a model placed before the classifier learns only through x's gradient
    leaf = train_batch.clone().requires_grad_(True)
    _mlp_reference(params, leaf - leaf.mean(dim=0)).backward(inputs["upstream"])
    assert seen["x_grad"] is not None, both(
        "{label}: no gradient reached the input x: something between x and the mlp cuts the graph "
        "(.detach(), .data or torch.no_grad() around center(x)); layers placed before the classifier would "
        "never learn",
        "{label}：没有梯度传到输入 x：x 与 mlp 之间有操作切断了计算图（center(x) 外的 .detach()、.data "
        "或 torch.no_grad()）；放在分类器之前的层将永远学不到东西",
    ).format(label=in_training)
    expect.close(
        seen["x_grad"],
        leaf.grad,
        name=both("{label}: the gradient of the input x", "{label}：输入 x 的梯度").format(label=in_training),
        why=both(
            "the gradient flows through mlp and center back to x: the batch mean depends on x too, so nothing "
            "on the way is detached",
            "梯度经过 mlp 和 center 传回 x：批均值也依赖 x，所以途中什么都不能 detach",
        ),
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
    tied = _int(rng, 3, 40)
    seen = yield {"simple": simple, "width": width, "frozen_in": frozen_in, "tied": tied}

    n_in, n_out = simple
    out = expect.returned(seen["simple"], name=f"count_parameters(nn.Linear({n_in}, {n_out}))")
    assert isinstance(out, int) and not isinstance(out, bool), both(
        f"count_parameters should return a Python int, got {_kind(out)}: sum p.numel() over the parameters",
        f"count_parameters 应返回 Python int，实际是 {_kind(out)}：对所有参数的 p.numel() 求和",
    )
    assert seen["simple_type"] == "builtins.int", both(
        "count_parameters(nn.Linear({n_in}, {n_out})) returned a {kind}, not a Python int: np.prod(p.shape) "
        "gives NumPy integers (and 1.0, a float, for a 0-d parameter); sum p.numel(), or convert with int()",
        "count_parameters(nn.Linear({n_in}, {n_out})) 返回的是 {kind}，不是 Python int：np.prod(p.shape) "
        "得到的是 NumPy 整数（0 维参数还会得到浮点数 1.0）；请对 p.numel() 求和，或用 int() 转换",
    ).format(n_in=n_in, n_out=n_out, kind=seen["simple_type"])
    assert out == n_in * n_out + n_out, both(
        f"count_parameters(nn.Linear({n_in}, {n_out})) should be {n_in * n_out + n_out} "
        f"({n_in * n_out} weights + {n_out} biases), got {out}",
        f"count_parameters(nn.Linear({n_in}, {n_out})) 应为 {n_in * n_out + n_out}"
        f"（{n_in * n_out} 个权重 + {n_out} 个偏置），实际是 {out}",
    )

    # nn.Sequential(frozen Linear(frozen_in, width), BatchNorm1d(width), shared Linear(width, width), ReLU, shared)
    frozen, shared, buffers = frozen_in * width + width, width * width + width, 2 * width + 1
    want = 2 * width + shared  # BatchNorm's weight and bias, then the shared Linear once
    call = both(
        "count_parameters(a model with a frozen layer, BatchNorm and a shared layer)",
        "count_parameters(一个含冻结层、BatchNorm 和共享层的模型)",
    )
    out = expect.returned(seen["model"], name=call)
    diagnosis = {
        want + frozen: both(
            f"the frozen layer's {frozen} numbers were counted: skip parameters with requires_grad=False",
            f"冻结层的 {frozen} 个数值也被算进去了：请跳过 requires_grad=False 的参数",
        ),
        want + shared: both(
            "the shared layer was counted twice: model.parameters() lists a shared parameter once",
            "共享层被算了两次：model.parameters() 只会列出一次共享参数",
        ),
        want + buffers: both(
            "BatchNorm's buffers (running_mean, running_var, num_batches_tracked) were counted: they are not parameters",
            "BatchNorm 的 buffer（running_mean、running_var、num_batches_tracked）也被算进去了：它们不是参数",
        ),
        want + frozen + buffers: both(
            "buffers and the frozen layer were counted (state_dict() holds both): use parameters() and requires_grad",
            "buffer 和冻结层都被算进去了（state_dict() 两者都包含）：请使用 parameters() 和 requires_grad",
        ),
        want + frozen + buffers + shared: both(
            "state_dict() was counted: it holds buffers and frozen weights, and a shared layer "
            "under each of its names; use parameters() and requires_grad",
            "统计的是 state_dict()：它包含 buffer 和冻结的权重，共享层还会在它的每个名字下各算一次；"
            "请使用 parameters() 和 requires_grad",
        ),
    }
    default = both(
        "count p.numel() for p in model.parameters() if p.requires_grad",
        "请对 model.parameters() 中 requires_grad 为 True 的每个参数 p 累加 p.numel()",
    )
    assert out == want, both(
        "{call} should be {want}, got {out}: {diagnosis}", "{call} 应为 {want}，实际是 {out}：{diagnosis}"
    ).format(call=call, want=want, out=out, diagnosis=diagnosis.get(out, default))

    # nn.Sequential(Linear(tied, tied), Tanh, Linear(tied, tied)) whose second weight is the first one's
    want = tied * tied + 2 * tied
    call = both(
        f"count_parameters(two nn.Linear({tied}, {tied}) layers sharing one weight)",
        f"count_parameters(共享同一个权重的两个 nn.Linear({tied}, {tied}) 层)",
    )
    out = expect.returned(seen["tied"], name=call)
    diagnosis = {
        want + tied * tied: both(
            "the tied weight was counted once per module that holds it: model.parameters() lists each "
            "parameter once, however many modules share it",
            "被共享的权重在持有它的每个模块里各算了一次：无论有多少个模块共享它，model.parameters() 只列出一次",
        )
    }
    assert out == want, both(
        "{call} should be {want}, got {out}: {diagnosis}", "{call} 应为 {want}，实际是 {out}：{diagnosis}"
    ).format(call=call, want=want, out=out, diagnosis=diagnosis.get(out, default))


# --- exercises 5 and 6: conv_output_size and SmallCNN ----------------------------------------------


def _out_size(size, kernel, stride=1, padding=0, dilation=1):
    """The nn.Conv2d documentation's formula, the check's own copy."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _cnn_side(in_size):
    side = in_size
    for kernel, stride in ((3, 1), (2, 2), (3, 1), (2, 2)):
        side = _out_size(side, kernel, stride)
    return side


# The two convolutions' ordinals, in English and in Chinese.
FIRST, SECOND = ("first", "第一个"), ("second", "第二个")


def _cnn_layers(seen, label):
    """The two Conv2d layers and the Linear layer the child found inside a SmallCNN, in registration order."""
    convs, linears = seen["convs"], seen["linears"]
    assert len(convs) == 2 and len(linears) == 1, both(
        f"{label} should hold 2 registered nn.Conv2d layers and 1 nn.Linear, found {len(convs)} and {len(linears)}: "
        "create them in __init__ as attributes (or inside nn.Sequential), in the README's order",
        f"{label} 应包含 2 个已注册的 nn.Conv2d 层和 1 个 nn.Linear，实际找到 {len(convs)} 个和 {len(linears)} 个："
        "请在 __init__ 中把它们创建为属性（或放进 nn.Sequential），顺序与 README 一致",
    )
    return convs[0], convs[1], linears[0]


def _check_linear_size(in_features, in_size, c2, label):
    """The first Linear must take exactly what the shape arithmetic gives for in_size."""
    side = _cnn_side(in_size)
    no_pool = _out_size(_out_size(in_size, 3), 3)
    hint = {
        c2 * no_pool * no_pool: both(
            ": that is the size without the two poolings; each MaxPool2d(2) halves "
            "the side too (conv_output_size(side, 2, stride=2))",
            "：这是不算两次池化时的大小；每个 MaxPool2d(2) 也会把边长减半（conv_output_size(side, 2, stride=2)）",
        ),
        16 * 25: both(
            ": that is the 28×28 figure (16·5·5 = 400 with channels (8, 16)); compute the size "
            "from in_size and channels instead of hard-coding it",
            "：这是 28×28 时的数值（channels 为 (8, 16) 时 16·5·5 = 400）；请根据 in_size 和 channels 计算大小，"
            "不要写死",
        ),
        0: both(
            " (an nn.LazyLinear sizes itself from the first batch, so a wrong image size would go unnoticed)",
            "（nn.LazyLinear 会根据第一个批次自行确定大小，图像尺寸不对也不会被发现）",
        ),
    }
    assert in_features == c2 * side * side, both(
        f"{label}: the Linear layer takes {in_features} inputs, but after conv, pool, conv, pool a "
        f"{in_size}×{in_size} image is {c2}×{side}×{side} = {c2 * side * side} numbers",
        f"{label}：Linear 层接收 {in_features} 个输入，但 {in_size}×{in_size} 的图像经过卷积、池化、卷积、池化之后"
        f"是 {c2}×{side}×{side} = {c2 * side * side} 个数",
    ) + hint.get(
        in_features,
        both(
            ": apply conv_output_size once per convolution and once per pooling",
            "：每个卷积和每个池化都要各应用一次 conv_output_size",
        ),
    )


def _cnn_shapes(in_size, channels, classes):
    c1, c2 = channels
    side = _cnn_side(in_size)
    return [(c1, 1, 3, 3), (c2, c1, 3, 3), (classes, c2 * side * side)]


def _check_cnn(seen, in_size, channels, classes, label):
    """The layers' count and sizes, so the judge's weights fit them (the child loads them only then)."""
    conv1, conv2, linear = _cnn_layers(seen, label)
    shapes = _cnn_shapes(in_size, channels, classes)
    for (en, zh), conv, shape in ((FIRST, conv1, shapes[0]), (SECOND, conv2, shapes[1])):
        why = _conv_why(shape)
        weight = both(f"{label}: the {en} Conv2d's weight", f"{label}：{zh} Conv2d 权重")
        expect.shape(conv["weight"], shape, name=weight, why=why)
        expect.shape(
            conv["bias"],
            shape[:1],
            name=both(f"{label}: the {en} Conv2d's bias", f"{label}：{zh} Conv2d 偏置"),
            why=why,
        )
    _check_linear_size(linear["in_features"], in_size, channels[1], label)
    expect.shape(linear["weight"], shapes[2], name=_linear_weight(label))
    expect.shape(
        linear["bias"], shapes[2][:1], name=both(f"{label}: the Linear layer's bias", f"{label}：Linear 层偏置")
    )
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
            both(
                f"{label}(x of shape {tuple(x.shape)}) raised RuntimeError: {_first_line(out)}. The input is "
                "channels-first (N, 1, H, W), so do not permute it; flatten each image with nn.Flatten() or "
                "x.flatten(1) (view(-1) merges the whole batch into one row); and size the Linear with "
                "conv_output_size applied to both convolutions and both poolings",
                f"{label}(形状为 {tuple(x.shape)} 的 x) 抛出了 RuntimeError: {_first_line(out)}。输入是通道在前的 "
                "(N, 1, H, W)，不要对它做 permute；用 nn.Flatten() 或 x.flatten(1) 展平每张图像（view(-1) 会把整个"
                "批次并成一行）；并对两次卷积和两次池化都应用 conv_output_size，以此确定 Linear 的大小",
            )
        )
    return expect.returned(out, name=_on_x(label, x))


def _on_x(label: str, x: torch.Tensor) -> Text:
    """`label(x)`, named by x's shape."""
    return both(f"{label}(x of shape {tuple(x.shape)})", f"{label}(形状为 {tuple(x.shape)} 的 x)")


def _conv_why(shape) -> Text:
    return both(
        f"nn.Conv2d({shape[1]}, {shape[0]}, kernel_size=3): the input has 1 channel (channels-first)",
        f"nn.Conv2d({shape[1]}, {shape[0]}, kernel_size=3)：输入有 1 个通道（通道在前）",
    )


def _linear_weight(label: str) -> Text:
    return both(f"{label}: the Linear layer's weight", f"{label}：Linear 层权重")


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
    for (args, kwargs), got, kind in zip(keywords, seen["keywords"], seen["keyword_types"], strict=True):
        want = _out_size(*args, **kwargs)
        call = f"conv_output_size({', '.join(map(str, args))}{''.join(f', {k}={v}' for k, v in kwargs.items())})"
        expect.returned(got, name=call)
        assert isinstance(got, int) and not isinstance(got, bool), both(
            f"{call} should return a Python int, got {_kind(got)} {got!r}: use // (floor division), "
            "not /, which gives a float",
            f"{call} 应返回 Python int，实际是 {_kind(got)} {got!r}：请用 //（向下取整的除法），"
            "不要用 /，它得到的是 float",
        )
        assert kind == "builtins.int", both(
            f"{call} should return a Python int, got a {kind}: compute with Python's // on the int arguments "
            "(NumPy functions return NumPy numbers), or convert with int()",
            f"{call} 应返回 Python int，实际是 {kind}：请直接对 int 参数用 Python 的 // 计算"
            "（NumPy 函数返回的是 NumPy 数值），或用 int() 转换",
        )
        assert got == want, both(
            f"{call} should be {want}, got {got}: out = (size + 2*padding - dilation*(kernel - 1) - 1) // stride + 1; "
            "round down (an incomplete last window is dropped), and keep the dilation term",
            f"{call} 应为 {want}，实际是 {got}：out = (size + 2*padding - dilation*(kernel - 1) - 1) // stride + 1；"
            "要向下取整（最后一个不完整的窗口会被丢弃），并且不要漏掉 dilation 项",
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
        # the parameter list reads as English words: a code quote in the Chinese text
        assert got == real, both(
            f"conv_output_size({size}, {kernel}, {stride}, {padding}, {dilation}) gave {got}, but nn.Conv2d really "
            f"outputs {real}: the arguments are (size, kernel, stride, padding, dilation), in that order",
            f"conv_output_size({size}, {kernel}, {stride}, {padding}, {dilation}) 给出 {got}，但 nn.Conv2d 实际输出 "
            f"{real}：参数依次是 `(size, kernel, stride, padding, dilation)`",
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
        for (en, zh), conv, shape in ((FIRST, conv1, shapes[0]), (SECOND, conv2, shapes[1])):
            expect.shape(
                conv["weight"],
                shape,
                name=both(f"{label}: the {en} Conv2d's weight", f"{label}：{zh} Conv2d 权重"),
                why=_conv_why(shape),
            )
            # padding="valid" is the same layer as padding=0
            assert conv["stride"] == (1, 1) and conv["padding"] in ((0, 0), "valid") and conv["dilation"] == (1, 1), (
                both(
                    f"{label}: the {en} Conv2d has stride {conv['stride']}, padding {conv['padding']}, dilation "
                    f"{conv['dilation']}; the README's layer keeps the defaults (1, 0, 1)",
                    f"{label}：{zh} Conv2d 的 stride 为 {conv['stride']}，padding 为 {conv['padding']}，dilation 为 "
                    f"{conv['dilation']}；README 中的这一层使用默认值 (1, 0, 1)",
                )
            )
        side = _cnn_side(in_size)
        _check_linear_size(linear["in_features"], in_size, c2, label)
        expect.shape(linear["weight"], shapes[2], name=_linear_weight(label))
        want = (9 * c1 + c1) + (9 * c1 * c2 + c2) + (c2 * side * side * classes + classes)
        assert got["numel"] == want, both(
            f"{label} should have {want} parameters (conv 1: 9·{c1} + {c1}, conv 2: 9·{c1}·{c2} + {c2}, linear: "
            f"{c2 * side * side}·{classes} + {classes}), got {got['numel']}: ReLU, pooling and flattening have none",
            f"{label} 应有 {want} 个参数（卷积层 1：9·{c1} + {c1}，卷积层 2：9·{c1}·{c2} + {c2}，线性层："
            f"{c2 * side * side}·{classes} + {classes}），实际是 {got['numel']}：ReLU、池化和展平都没有参数",
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
        assert torch.equal(got["x_after"], x), both(
            f"{label} changed its input x in place", f"{label} 原地修改了它的输入 x"
        )
        assert got["conv1_inputs"] == [tuple(x.shape)], both(
            f"{label}'s first Conv2d saw inputs of shapes {got['conv1_inputs']} for x of shape {tuple(x.shape)}: pass "
            "the channels-first (N, 1, H, W) batch straight in, once",
            f"对于形状为 {tuple(x.shape)} 的 x，{label} 的第一个 Conv2d 收到的输入形状是 {got['conv1_inputs']}："
            "请把通道在前的 (N, 1, H, W) 批次直接传进去，只传一次",
        )
        name = _on_x(label, x)
        expect.shape(
            out,
            (x.shape[0], classes),
            name=name,
            why=both(
                "one row of class scores per image, batch of 1 included: flatten with start_dim=1 and "
                "do not squeeze() (it drops the batch axis of a single image)",
                "每张图像一行类别分数，批大小为 1 时也一样：用 start_dim=1 展平，不要 squeeze()"
                "（它会去掉单张图像的批次维）",
            ),
        )
        expect.dtype(out, torch.float32, name=name)
        expect.device(out, device, name=name)
        expect.close(
            out,
            _cnn_reference(case["params"], x),
            name=name,
            why=both(
                "conv → ReLU → MaxPool2d(2), twice, then flatten each image in (C, H, W) order and apply the Linear",
                "卷积 → ReLU → MaxPool2d(2)，重复两次，再把每张图像按 (C, H, W) 顺序展平，然后应用 Linear",
            ),
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
    assert seen["out_requires_grad"], both(
        f"{label}'s output does not require grad: no layer would learn (a detach() or no_grad in forward?)",
        f"{label} 的输出的 requires_grad 为 False：没有任何一层能学习（forward 里是不是用了 detach() 或 no_grad？）",
    )
    _backward_ran(seen["backward"], label)
    want = _reference_grads(lambda leaves: _cnn_reference(leaves, inputs["x"]), params, inputs["upstream"])
    layers = (
        both("first Conv2d", "第一个 Conv2d 层"),
        both("second Conv2d", "第二个 Conv2d 层"),
        both("Linear", "Linear 层"),
    )
    for name, got, (w_grad, b_grad) in zip(layers, seen["grads"], want, strict=True):
        for (key, part), expected in zip(PARTS, (w_grad, b_grad)):
            assert got[key] is not None, both(
                "no gradient reached the {name}'s {part}: something in forward cuts the graph (detach(), .data, "
                "torch.no_grad() or a NumPy round trip)",
                "{name}的{part}没有收到梯度：forward 中有操作切断了计算图（detach()、.data、torch.no_grad()，"
                "或先转成 NumPy 再转回来）",
            ).format(name=name, part=part)
            expect.close(
                got[key],
                expected,
                name=both("the gradient of the {name}'s {part}", "{name}的{part}梯度").format(name=name, part=part),
                why=both(
                    "the layers should be used once each, in the README's order",
                    "每一层应各用一次，顺序与 README 一致",
                ),
            )


def test_small_cnn_wrong_size(rng):
    """SmallCNN(in_size=28) refuses a 32×32 image instead of silently returning something
    SmallCNN(in_size=28) 会拒绝 32×32 的图像，而不是悄悄返回某个结果"""
    in_size, channels, classes = 28, (8, 16), 10  # SmallCNN's defaults
    params = _layer_params(rng, _cnn_shapes(in_size, channels, classes))
    right = torch.rand(_int(rng, 1, 4), 1, in_size, in_size, generator=rng)
    # 25·576 numbers are 36 rows of 400: a reshape(-1, 400) that re-cuts the batch raises for no other reason
    wrong = torch.rand(25 * _int(rng, 1, 2), 1, 32, 32, generator=rng)
    seen = yield {"in_size": in_size, "x": wrong, "params": params, "right": right}
    out = seen["wrong"]
    if not isinstance(out, Raised):  # any clear error is what the README promises
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else _kind(out)
        raise AssertionError(
            both(
                f"SmallCNN(in_size=28) accepted a batch of {len(wrong)} 32×32 images and returned {shape}: the "
                "README says it raises, because after conv, pool, conv, pool a 32×32 image is 16×6×6 = 576 "
                "numbers and the Linear takes 16×5×5 = 400. Size the Linear with conv_output_size from in_size "
                "(no LazyLinear, no adaptive pooling, no cropping), and flatten each image on its own "
                "(nn.Flatten() or x.flatten(1), not reshape(-1, 400), which re-cuts the batch into other rows)",
                f"SmallCNN(in_size=28) 接受了 {len(wrong)} 张 32×32 的图像，并返回了 {shape}：README 说它应当报错，"
                "因为 32×32 的图像经过卷积、池化、卷积、池化之后是 16×6×6 = 576 个数，而 Linear 接收的是 "
                "16×5×5 = 400 个。请根据 in_size 用 conv_output_size 确定 Linear 的大小（不要用 LazyLinear、"
                "自适应池化或裁剪），并逐张展平图像（用 nn.Flatten() 或 x.flatten(1)，不要用 reshape(-1, 400)，"
                "它会把整个批次重新切成别的行）",
            )
        )
    # ... and the same model still works on a 28×28 batch (with the judge's weights): it refused the size only
    label = _label(in_size, channels, classes)
    _check_cnn(seen, in_size, channels, classes, label)
    expect.close(
        _cnn_output(seen["right"], label, right),
        _cnn_reference(params, right),
        name=both(
            f"{label}(x of shape {tuple(right.shape)}) after it refused a 32×32 image",
            f"拒绝 32×32 的图像之后，{label}(形状为 {tuple(right.shape)} 的 x)",
        ),
        why=both(
            "conv → ReLU → MaxPool2d(2), twice, then flatten each image and apply the Linear",
            "卷积 → ReLU → MaxPool2d(2)，重复两次，再展平每张图像并应用 Linear",
        ),
    )
