"""Hidden checks for the modules kata. Each docstring: English title, then Chinese title."""

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from grader import expect

PLAIN_LIST = (
    "layers kept in a plain Python list (or dict) are invisible to PyTorch: parameters(), .to(), "
    "state_dict() and the optimizer never see them; use nn.ModuleList or nn.Sequential"
)


def _linears(model):
    """The nn.Linear layers PyTorch can see inside model, in registration order."""
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def _mlp_reference(linears, x):
    """What an MLP made of these layers computes: ReLU after every layer but the last."""
    for i, layer in enumerate(linears):
        x = torch.nn.functional.linear(x, layer.weight, layer.bias)
        if i < len(linears) - 1:
            x = torch.relu(x)
    return x


def _layer_gradients(linears, run, upstream):
    """The gradients each Linear's weight and bias get when `run(shadow_layers)` is backpropagated:
    computed on copies, so the learner's own layers are untouched."""
    shadows = [type("Layer", (), {"weight": layer.weight.detach().clone().requires_grad_(True),
                                  "bias": layer.bias.detach().clone().requires_grad_(True)}) for layer in linears]
    run(shadows).backward(upstream)
    return [(s.weight.grad, s.bias.grad) for s in shadows]


def _compare_layer_gradients(linears, want, label):
    for i, (layer, (w_grad, b_grad)) in enumerate(zip(linears, want)):
        for part, expected in (("weight", w_grad), ("bias", b_grad)):
            got = getattr(layer, part).grad
            assert got is not None, (
                f"{label}: no gradient reached layer {i}'s {part}: something in forward cuts the graph "
                "(.detach(), .data or torch.no_grad())"
            )
            expect.close(got, expected, name=f"{label}: the gradient of layer {i}'s {part}",
                         why="each layer once, in order, with nothing detached in between")


def _record_calls(modules, log):
    """Attach a forward hook to each (name, module); returns the handles."""
    return [m.register_forward_hook(lambda mod, inp, out, name=name: log.append(name)) for name, m in modules]


def test_mlp_parameters(solution):
    """MLP registers every layer, so parameters() and the optimizer see all weights
    MLP 注册了每一层，parameters() 和优化器都能看到所有权重"""
    torch.manual_seed(30)
    for sizes in ([5, 7, 3], [4, 16, 8, 3], [6, 2]):
        model = solution.MLP(sizes)
        layers = _linears(model)
        assert len(layers) == len(sizes) - 1, (
            f"MLP({sizes}): model.modules() finds {len(layers)} nn.Linear layers, expected {len(sizes) - 1}. "
            + (PLAIN_LIST if not layers else "one Linear per pair of neighbouring sizes")
        )
        for i, (layer, a, b) in enumerate(zip(layers, sizes[:-1], sizes[1:])):
            expect.shape(layer.weight, (b, a), name=f"MLP({sizes}): layer {i}'s weight",
                         why=f"layer {i} maps {a} features to {b}: nn.Linear({a}, {b}), in order")
        params = list(model.parameters())
        want = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        got = sum(p.numel() for p in params)
        assert params, f"MLP({sizes}).parameters() is empty, so an optimizer would raise 'optimizer got an empty parameter list'. {PLAIN_LIST}"
        assert len(params) == 2 * (len(sizes) - 1) and got == want, (
            f"MLP({sizes}).parameters() should list {2 * (len(sizes) - 1)} tensors with {want} numbers in all, "
            f"got {len(params)} tensors with {got} numbers"
        )
    # (No real optimizer is built here: the first one imports torch._dynamo, seconds of start-up.
    # An empty parameters() is exactly what makes torch.optim raise "empty parameter list".)


def test_mlp_forward(solution):
    """MLP.forward applies each layer (through its hooks) with ReLU between layers, not after the last
    MLP.forward 依次调用每一层（会触发钩子），层间加 ReLU，最后一层之后不加"""
    torch.manual_seed(31)
    for sizes, batch in (([4, 16, 8, 3], 10), ([6, 2], 1)):
        model = solution.MLP(sizes)
        layers = _linears(model)
        assert len(layers) == len(sizes) - 1, f"MLP({sizes}): expected {len(sizes) - 1} registered nn.Linear layers, got {len(layers)}"
        calls = []
        handles = _record_calls([(f"layer {i}", m) for i, m in enumerate(layers)], calls)
        x = torch.randn(batch, sizes[0])
        expected = _mlp_reference(layers, x)
        try:
            out = model(x)
        finally:
            for h in handles:
                h.remove()
        expect.matches(out, expected, name=f"MLP({sizes})(x of shape {tuple(x.shape)})",
                       why="layer after layer, with torch.relu between them but no ReLU on the output")
        upstream = torch.randn(out.shape)
        want_grads = _layer_gradients(layers, lambda shadows: _mlp_reference(shadows, x), upstream)
        out.backward(upstream)
        _compare_layer_gradients(layers, want_grads, f"MLP({sizes})")
        want = [f"layer {i}" for i in range(len(layers))]
        assert calls == want, (
            f"MLP({sizes}): the layers' forward hooks fired as {calls}, expected {want}: call each layer "
            "as layer(x), not layer.forward(x) (only calling the module runs its hooks), each once, in order"
        )


def test_mlp_moves_with_model(solution):
    """MLP's layers follow the model when it is converted with .double()
    MLP 的各层会随 .double() 一起转换类型"""
    torch.manual_seed(32)
    model = solution.MLP([4, 8, 2]).double()
    for name, p in model.named_parameters():
        expect.dtype(p, torch.float64, name=f"parameter {name} after model.double()")
    layers = _linears(model)
    assert len(layers) == 2, f"MLP([4, 8, 2]): expected 2 registered nn.Linear layers, got {len(layers)}. {PLAIN_LIST}"
    x = torch.randn(3, 4, dtype=torch.float64)
    try:
        out = model(x)
    except RuntimeError as exc:
        raise AssertionError(
            f"MLP([4, 8, 2]).double() failed on float64 input: {str(exc).splitlines()[0]}. {PLAIN_LIST}"
        ) from None
    expect.matches(out, _mlp_reference(layers, x), name="MLP([4, 8, 2]).double()(x)")


def test_running_center_buffer(solution):
    """RunningCenter keeps running_mean as a buffer: saved and moved, but not a parameter
    RunningCenter 把 running_mean 存为 buffer：会被保存和移动，但不是参数"""
    module = solution.RunningCenter(4)
    params = [name for name, _ in module.named_parameters()]
    assert not params, (
        f"RunningCenter(4).parameters() should be empty, got {params}: an nn.Parameter is trained by the "
        "optimizer; running statistics belong in a buffer (self.register_buffer)"
    )
    buffers = dict(module.named_buffers())
    assert "running_mean" in buffers, (
        f"RunningCenter(4) should have a buffer named running_mean, its buffers are {sorted(buffers)}: "
        "a plain tensor attribute is not saved in state_dict() and does not move with .to(); "
        'use self.register_buffer("running_mean", torch.zeros(num_features))'
    )
    expect.matches(buffers["running_mean"], torch.zeros(4), name="running_mean of a new RunningCenter(4)")
    assert "running_mean" in module.state_dict(), "running_mean is missing from state_dict(): register it as a buffer"
    expect.dtype(module.double().running_mean, torch.float64, name="running_mean after .double()",
                 why="buffers are converted with the module")
    expect.device(module.to("meta").running_mean, "meta", name='running_mean after .to("meta")',
                  why="buffers move with the module")


def test_running_center_train(solution):
    """In training mode RunningCenter subtracts the batch mean (gradient included) and updates the running mean
    训练模式下 RunningCenter 减去批均值（梯度也要正确），并更新滑动均值"""
    g = torch.Generator().manual_seed(33)
    for features, batch, momentum, dtype in ((3, 8, 0.25, torch.float32), (4, 5, None, torch.float64)):
        module = solution.RunningCenter(features) if momentum is None else solution.RunningCenter(features, momentum=momentum)
        module.to(dtype).train()
        m = 0.1 if momentum is None else momentum  # the README's default momentum is 0.1
        label = f"RunningCenter({features}{'' if momentum is None else f', momentum={momentum}'}) on {dtype}"
        running = torch.zeros(features, dtype=dtype)
        for step in range(2):
            data = torch.randn(batch, features, generator=g, dtype=dtype) + 2.0
            upstream = torch.randn(batch, features, generator=g, dtype=dtype)
            mean = data.mean(dim=0)
            want_out = data - mean
            # d/dx of (x - x.mean(0)), applied to upstream: the batch mean's share comes back as −mean(upstream).
            want_grad = upstream - upstream.mean(dim=0)
            running = (1 - m) * running + m * mean
            x = data.clone().requires_grad_(True)
            out = module(x)
            expect.close(out, want_out, name=f"{label} output in training mode (batch {step})",
                         why="in training mode subtract this batch's own mean, x.mean(dim=0)")
            expect.close(module.running_mean, running, name=f"{label}: running_mean after batch {step}",
                         why=f"running_mean ← (1 − momentum)·running_mean + momentum·batch mean, momentum {m}"
                             + (" (the default)" if momentum is None else ""))
            expect.requires_grad(module.running_mean, False, name="running_mean after a training step",
                                 why="update it under torch.no_grad() (or with mean.detach()): otherwise the buffer "
                                     "drags every batch's graph along, wasting memory and breaking later backward() calls")
            assert out.requires_grad, "the output should stay connected to x (requires_grad) so the model can learn"
            out.backward(upstream)
            expect.close(x.grad, want_grad, name=f"{label}: x.grad after out.backward(upstream) (batch {step})",
                         why="the output is x − x.mean(dim=0), and the mean depends on x too, so the gradient is "
                             "upstream − upstream.mean(dim=0). A detached batch mean drops that second term: detach "
                             "only the copy that goes into running_mean, never the mean you subtract")


def test_running_center_eval(solution):
    """In eval mode RunningCenter subtracts the running mean and leaves it unchanged
    评估模式下 RunningCenter 减去滑动均值，且不改变它"""
    g = torch.Generator().manual_seed(34)
    module = solution.RunningCenter(3, momentum=0.5)
    module.train()
    module(torch.randn(6, 3, generator=g) + 1.0)
    saved = module.running_mean.clone()
    module.eval()
    x = torch.randn(5, 3, generator=g) * 3
    given = x.clone()
    out = module(x)
    assert torch.equal(x, given), (
        "RunningCenter changed its input x in place in eval mode (x -= ... or x.sub_(...)): return x - running_mean, "
        "a new tensor; the caller may still need x"
    )
    expect.close(module.running_mean, saved, name="running_mean after an eval-mode forward",
                 why="eval mode must not update the statistics; check self.training")
    expect.close(out, x - saved, name="RunningCenter output in eval mode",
                 why="in eval mode subtract the stored running_mean, not the batch's own mean")
    x = given.clone().requires_grad_(True)
    upstream = torch.randn(5, 3, generator=g)
    module(x).backward(upstream)
    assert x.grad is not None, "in eval mode RunningCenter's output is cut from x: do not detach it"
    expect.close(x.grad, upstream, name="x.grad through RunningCenter in eval mode",
                 why="x - running_mean passes the gradient through unchanged (the buffer is a constant)")


def test_classifier_structure(solution):
    """Classifier registers center and mlp as submodules with prefixed names
    Classifier 把 center 和 mlp 注册为子模块，名字带前缀"""
    torch.manual_seed(35)
    model = solution.Classifier(6, 10, 3)
    children = dict(model.named_children())
    assert {"center", "mlp"} <= set(children), (
        f"Classifier's registered submodules are {sorted(children)}, expected center and mlp: assign them as "
        "self.center = RunningCenter(...) and self.mlp = MLP(...) in __init__"
    )
    names = [name for name, _ in model.named_parameters()]
    want = 6 * 10 + 10 + 10 * 3 + 3
    got = sum(p.numel() for p in model.parameters())
    assert got == want and all(n.startswith("mlp.") for n in names), (
        f"Classifier(6, 10, 3) should have {want} parameter numbers, all named mlp.…, got {got} in {names}"
    )
    assert "center.running_mean" in model.state_dict(), (
        "center.running_mean is missing from Classifier's state_dict(): the buffer of a registered submodule "
        "is saved under its prefixed name"
    )


def test_classifier_hooks(solution):
    """Classifier.forward calls its submodules, so their forward hooks fire
    Classifier.forward 调用子模块本身，因此它们的前向钩子会触发"""
    torch.manual_seed(36)
    model = solution.Classifier(6, 10, 3)
    calls = []
    watched = [("center", model.center), ("mlp", model.mlp)]
    watched += [(f"mlp layer {i}", m) for i, m in enumerate(_linears(model.mlp))]
    handles = _record_calls(watched, calls)
    try:
        model(torch.randn(4, 6))
    finally:
        for h in handles:
            h.remove()
    for name, _ in watched:
        assert calls.count(name) == 1, (
            f"the forward hook of {name} fired {calls.count(name)} times during one model(x), expected once: "
            "call submodules as self.center(x), not self.center.forward(x); only calling the module runs "
            "its hooks (which tools such as profilers and feature extractors rely on)"
        )
    assert len(watched) == 4, f"Classifier(6, 10, 3).mlp should hold 2 registered nn.Linear layers, got {len(watched) - 2}"
    assert calls.index("center") < calls.index("mlp layer 0"), f"center should run before the mlp, the hooks fired as {calls}"


def test_classifier_train_eval(solution):
    """train() and eval() reach every submodule; in eval mode the output is deterministic
    train() 和 eval() 会传到每个子模块；评估模式下输出是确定的"""
    g = torch.Generator().manual_seed(37)
    torch.manual_seed(37)
    model = solution.Classifier(5, 7, 4)
    model.train()
    batch = torch.randn(16, 5, generator=g) + 1.0
    want_running = 0.1 * batch.mean(dim=0)  # one step from zeros with RunningCenter's default momentum, 0.1
    model(batch)
    expect.close(model.center.running_mean, want_running, name="Classifier's center.running_mean after one training batch",
                 why="the Classifier's RunningCenter(in_features) uses the default momentum 0.1 (the new batch's "
                     "weight, as in nn.BatchNorm; 0.9 would be the old value's weight, the Keras convention)")
    model.eval()
    still_training = [name or "the model" for name, m in model.named_modules() if m.training]
    assert not still_training, f"after model.eval() these modules are still in training mode: {still_training}"
    x = torch.randn(3, 5, generator=g)
    out = model(x)
    layers = _linears(model.mlp)
    assert len(layers) == 2, f"Classifier(5, 7, 4).mlp should hold 2 registered nn.Linear layers, got {len(layers)}"
    expected = _mlp_reference(layers, x - model.center.running_mean)
    expect.close(out, expected, name="Classifier(5, 7, 4) output in eval mode",
                 why="mlp(center(x)), with center subtracting its running mean in eval mode")
    expect.close(model(x), out, name="a second eval-mode call on the same x", why="eval mode must be deterministic")
    model.train()
    assert model.center.training and model.mlp.training, "after model.train() the submodules should be in training mode"
    batch = torch.randn(6, 5, generator=g)
    upstream = torch.randn(6, 4, generator=g)
    centered = batch - batch.mean(dim=0)
    want_grads = _layer_gradients(layers, lambda shadows: _mlp_reference(shadows, centered), upstream)
    model(batch).backward(upstream)
    _compare_layer_gradients(layers, want_grads, "Classifier(5, 7, 4) in training mode")


def test_count_parameters(solution):
    """count_parameters counts trainable numbers once, without buffers or frozen weights
    count_parameters 只统计可训练的数值（共享参数只算一次，不含 buffer 和冻结的权重）"""
    torch.manual_seed(38)
    simple = nn.Linear(3, 2)
    out = solution.count_parameters(simple)
    assert isinstance(out, int) and not isinstance(out, bool), (
        f"count_parameters should return a Python int, got {type(out).__name__}: sum p.numel() over the parameters"
    )
    assert out == 8, f"count_parameters(nn.Linear(3, 2)) should be 8 (6 weights + 2 biases), got {out}"

    shared = nn.Linear(8, 8)
    frozen = nn.Linear(4, 8).requires_grad_(False)
    model = nn.Sequential(frozen, nn.BatchNorm1d(8), shared, nn.ReLU(), shared)
    want = 16 + 72  # BatchNorm's weight and bias, then the shared Linear once
    out = solution.count_parameters(model)
    diagnosis = {
        want + 40: "the frozen layer's 40 numbers were counted: skip parameters with requires_grad=False",
        want + 72: "the shared layer was counted twice: model.parameters() lists a shared parameter once",
        want + 17: "BatchNorm's buffers (running_mean, running_var, num_batches_tracked) were counted: they are not parameters",
        want + 40 + 17: "buffers and the frozen layer were counted (state_dict() holds both): use parameters() and requires_grad",
        want + 40 + 17 + 72: "state_dict() was counted: it holds buffers and frozen weights, and a shared layer under "
                             "each of its names; use parameters() and requires_grad",
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


def _cnn_layers(model, label):
    """The two Conv2d layers and the Linear layer PyTorch can see inside a SmallCNN, in registration order."""
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    linears = _linears(model)
    assert len(convs) == 2 and len(linears) == 1, (
        f"{label} should hold 2 registered nn.Conv2d layers and 1 nn.Linear, found {len(convs)} and {len(linears)}: "
        "create them in __init__ as attributes (or inside nn.Sequential), in the README's order"
    )
    return convs[0], convs[1], linears[0]


def _check_linear_size(linear, in_size, c2, label):
    """The first Linear must take exactly what the shape arithmetic gives for in_size."""
    side = _cnn_side(in_size)
    no_pool = _out_size(_out_size(in_size, 3), 3)
    hint = {c2 * no_pool * no_pool: ": that is the size without the two poolings; each MaxPool2d(2) halves "
                                      "the side too (conv_output_size(side, 2, stride=2))",
            16 * 25: ": that is the 28×28 figure (16·5·5 = 400 with channels (8, 16)); compute the size "
                     "from in_size and channels instead of hard-coding it",
            0: " (an nn.LazyLinear sizes itself from the first batch, so a wrong image size would go unnoticed)"}
    assert linear.in_features == c2 * side * side, (
        f"{label}: the Linear layer takes {linear.in_features} inputs, but after conv, pool, conv, pool a "
        f"{in_size}×{in_size} image is {c2}×{side}×{side} = {c2 * side * side} numbers"
        + hint.get(linear.in_features, ": apply conv_output_size once per convolution and once per pooling")
    )


def _cnn_reference(conv1, conv2, linear, x):
    """What the README's SmallCNN computes with these layers' weights."""
    x = F.max_pool2d(F.relu(F.conv2d(x, conv1.weight, conv1.bias)), 2)
    x = F.max_pool2d(F.relu(F.conv2d(x, conv2.weight, conv2.bias)), 2)
    return F.linear(x.flatten(1), linear.weight, linear.bias)


def _cnn_forward(model, x, label):
    """model(x), with torch's shape errors explained in the terms of this exercise."""
    try:
        return model(x)
    except NotImplementedError:
        raise  # the stub: "not started yet"
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise AssertionError(
            f"{label}(x of shape {tuple(x.shape)}) raised RuntimeError: {first}. The input is channels-first "
            "(N, 1, H, W), so do not permute it; flatten each image with nn.Flatten() or x.flatten(1) (view(-1) "
            "merges the whole batch into one row); and size the Linear with conv_output_size applied to both "
            "convolutions and both poolings"
        ) from None


# 17 is odd; at 30 every off-by-one in a kernel or stride changes the final side (at 28 some hide).
CNN_CASES = ((28, (8, 16), 10, 5), (28, (8, 16), 10, 1), (17, (5, 7), 3, 3), (30, (4, 6), 2, 7))


def test_conv_output_size(solution):
    """conv_output_size gives the output length of a convolution or pooling as an int
    conv_output_size 以 int 形式给出卷积或池化的输出长度"""
    cases = [((28, 3), {}), ((28, 2), {"stride": 2}), ((13, 2), {"stride": 2}), ((15, 2), {"stride": 2}),
             ((7, 3), {"stride": 2, "padding": 1}), ((10, 3), {"stride": 1, "padding": 2, "dilation": 2}),
             ((5, 5), {}), ((33, 4), {"stride": 3, "padding": 1, "dilation": 2}), ((1, 1), {})]
    for args, kwargs in cases:
        want = _out_size(*args, **kwargs)
        call = f"conv_output_size({', '.join(map(str, args))}{''.join(f', {k}={v}' for k, v in kwargs.items())})"
        got = solution.conv_output_size(*args, **kwargs)
        assert isinstance(got, int) and not isinstance(got, bool), (
            f"{call} should return a Python int, got {type(got).__name__} {got!r}: use // (floor division), "
            "not /, which gives a float"
        )
        assert got == want, (
            f"{call} should be {want}, got {got}: out = (size + 2*padding - dilation*(kernel - 1) - 1) // stride + 1; "
            "round down (an incomplete last window is dropped), and keep the dilation term"
        )
    for size, kernel, stride, padding, dilation in ((28, 3, 1, 0, 1), (19, 5, 2, 2, 1), (12, 3, 2, 1, 3)):
        layer = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
        with torch.no_grad():
            real = layer(torch.zeros(1, 1, size, size)).shape[-1]
        got = solution.conv_output_size(size, kernel, stride, padding, dilation)
        assert got == real, (
            f"conv_output_size({size}, {kernel}, {stride}, {padding}, {dilation}) gave {got}, but nn.Conv2d really "
            f"outputs {real}: the arguments are (size, kernel, stride, padding, dilation), in that order"
        )


def test_small_cnn_layers(solution):
    """SmallCNN has the README's layers, with the first Linear sized by the shape arithmetic
    SmallCNN 含有 README 中的各层，第一个 Linear 的大小由形状计算得出"""
    torch.manual_seed(40)
    for in_size, (c1, c2), classes, _ in CNN_CASES[::2] + CNN_CASES[3:]:
        label = f"SmallCNN(in_size={in_size}, channels=({c1}, {c2}), num_classes={classes})"
        model = solution.SmallCNN(in_size=in_size, channels=(c1, c2), num_classes=classes)
        conv1, conv2, linear = _cnn_layers(model, label)
        for name, conv, shape in (("first", conv1, (c1, 1, 3, 3)), ("second", conv2, (c2, c1, 3, 3))):
            expect.shape(conv.weight, shape, name=f"{label}: the {name} Conv2d's weight",
                         why=f"nn.Conv2d({shape[1]}, {shape[0]}, kernel_size=3): the input has 1 channel (channels-first)")
            assert conv.stride == (1, 1) and conv.padding == (0, 0) and conv.dilation == (1, 1), (
                f"{label}: the {name} Conv2d has stride {conv.stride}, padding {conv.padding}, dilation "
                f"{conv.dilation}; the README's layer keeps the defaults (1, 0, 1)"
            )
        side = _cnn_side(in_size)
        _check_linear_size(linear, in_size, c2, label)
        expect.shape(linear.weight, (classes, c2 * side * side), name=f"{label}: the Linear layer's weight")
        want = (9 * c1 + c1) + (9 * c1 * c2 + c2) + (c2 * side * side * classes + classes)
        got = sum(p.numel() for p in model.parameters())
        assert got == want, (
            f"{label} should have {want} parameters (conv 1: 9·{c1} + {c1}, conv 2: 9·{c1}·{c2} + {c2}, linear: "
            f"{c2 * side * side}·{classes} + {classes}), got {got}: ReLU, pooling and flattening have none"
        )


@pytest.mark.points(2)
def test_small_cnn_forward(solution, device):
    """SmallCNN maps channels-first images to (N, num_classes), for several sizes and batch sizes
    SmallCNN 把通道在前的图像映射为 (N, num_classes)，适用于多种尺寸和批大小"""
    g = torch.Generator().manual_seed(41)
    torch.manual_seed(41)
    # Convolutions on an accelerator may use TF32 or another algorithm: allow for rounding there.
    tolerance = {} if device.type == "cpu" else {"rtol": 1e-3, "atol": 1e-3}
    for in_size, (c1, c2), classes, batch in CNN_CASES:
        label = f"SmallCNN(in_size={in_size}, channels=({c1}, {c2}), num_classes={classes})"
        model = solution.SmallCNN(in_size=in_size, channels=(c1, c2), num_classes=classes).to(device)
        conv1, conv2, linear = _cnn_layers(model, label)
        _check_linear_size(linear, in_size, c2, label)
        x = torch.rand(batch, 1, in_size, in_size, generator=g).to(device)
        given = x.clone()
        with torch.no_grad():
            expected = _cnn_reference(conv1, conv2, linear, x)
        seen = []
        handle = conv1.register_forward_hook(lambda module, inputs, output: seen.append(tuple(inputs[0].shape)))
        try:
            with torch.no_grad():
                out = _cnn_forward(model, x, label)
        finally:
            handle.remove()
        assert torch.equal(x, given), f"{label} changed its input x in place"
        assert seen == [tuple(x.shape)], (
            f"{label}'s first Conv2d saw inputs of shapes {seen} for x of shape {tuple(x.shape)}: pass the "
            "channels-first (N, 1, H, W) batch straight in, once"
        )
        expect.shape(out, (batch, classes), name=f"{label}(x of shape {tuple(x.shape)})",
                     why="one row of class scores per image, batch of 1 included: flatten with start_dim=1 and "
                         "do not squeeze() (it drops the batch axis of a single image)")
        expect.matches(out, expected, name=f"{label}(x of shape {tuple(x.shape)})",
                       why="conv → ReLU → MaxPool2d(2), twice, then flatten each image in (C, H, W) order "
                           "and apply the Linear", **tolerance)


def test_small_cnn_gradients(solution):
    """Gradients reach every SmallCNN layer, and they are the right ones
    梯度能到达 SmallCNN 的每一层，并且数值正确"""
    g = torch.Generator().manual_seed(42)
    torch.manual_seed(42)
    label = "SmallCNN(in_size=22, channels=(3, 4), num_classes=5)"
    model = solution.SmallCNN(in_size=22, channels=(3, 4), num_classes=5).double()  # float64: exact comparison
    layers = dict(zip(("first Conv2d", "second Conv2d", "Linear"), _cnn_layers(model, label)))
    _check_linear_size(layers["Linear"], 22, 4, label)
    x = torch.rand(6, 1, 22, 22, generator=g, dtype=torch.float64)
    upstream = torch.randn(6, 5, generator=g, dtype=torch.float64)
    copies = {name: (layer.weight.detach().clone().requires_grad_(True), layer.bias.detach().clone().requires_grad_(True))
              for name, layer in layers.items()}
    shadow = {name: type("Layer", (), {"weight": w, "bias": b}) for name, (w, b) in copies.items()}
    _cnn_reference(*shadow.values(), x).backward(upstream)
    out = _cnn_forward(model, x, label)
    assert out.requires_grad, f"{label}'s output does not require grad: no layer would learn (a detach() or no_grad in forward?)"
    out.backward(upstream)
    for name, layer in layers.items():
        for part, want in zip(("weight", "bias"), copies[name]):
            got = getattr(layer, part).grad
            assert got is not None, (
                f"no gradient reached the {name}'s {part}: something in forward cuts the graph (detach(), .data, "
                "torch.no_grad() or a NumPy round trip)"
            )
            expect.close(got, want.grad, name=f"the gradient of the {name}'s {part}",
                         why="the layers should be used once each, in the README's order")


def test_small_cnn_wrong_size(solution):
    """SmallCNN(in_size=28) refuses a 32×32 image instead of silently returning something
    SmallCNN(in_size=28) 会拒绝 32×32 的图像，而不是悄悄返回某个结果"""
    torch.manual_seed(43)
    model = solution.SmallCNN(in_size=28)
    x = torch.rand(2, 1, 32, 32, generator=torch.Generator().manual_seed(43))
    try:
        out = model(x)
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - any clear error is what the README promises
        return
    shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
    raise AssertionError(
        f"SmallCNN(in_size=28) accepted a 32×32 image and returned {shape}: the README says it raises, because "
        "after conv, pool, conv, pool a 32×32 image is 16×6×6 = 576 numbers and the Linear takes 16×5×5 = 400. "
        "Size the Linear with conv_output_size from in_size (no LazyLinear, no adaptive pooling, no cropping)"
    )
