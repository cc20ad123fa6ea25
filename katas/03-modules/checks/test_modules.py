"""Hidden checks for the modules kata. Each docstring: English title, then Chinese title."""

import torch
from torch import nn

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
    for sizes in ([4, 16, 8, 3], [6, 2]):
        model = solution.MLP(sizes)
        layers = _linears(model)
        assert len(layers) == len(sizes) - 1, f"MLP({sizes}): expected {len(sizes) - 1} registered nn.Linear layers, got {len(layers)}"
        calls = []
        handles = _record_calls([(f"layer {i}", m) for i, m in enumerate(layers)], calls)
        x = torch.randn(10, sizes[0])
        try:
            out = model(x)
        finally:
            for h in handles:
                h.remove()
        expect.matches(out, _mlp_reference(layers, x), name=f"MLP({sizes})(x)",
                       why="layer after layer, with torch.relu between them but no ReLU on the output")
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
    """In training mode RunningCenter subtracts the batch mean and updates the running mean
    训练模式下 RunningCenter 减去批均值，并更新滑动均值"""
    g = torch.Generator().manual_seed(33)
    module = solution.RunningCenter(3, momentum=0.25)
    module.train()
    running = torch.zeros(3)
    for step in range(2):
        x = (torch.randn(8, 3, generator=g) + 2.0).requires_grad_(True)
        out = module(x)
        mean = x.detach().mean(dim=0)
        expect.close(out, x.detach() - mean, name=f"RunningCenter output in training mode (batch {step})",
                     why="in training mode subtract this batch's own mean, x.mean(dim=0)")
        running = 0.75 * running + 0.25 * mean
        expect.close(module.running_mean, running, name=f"running_mean after batch {step} (momentum 0.25)",
                     why="running_mean ← (1 − momentum)·running_mean + momentum·batch mean, with the module's momentum")
        assert out.requires_grad, "the output should stay connected to x (requires_grad) so the model can learn"
        expect.requires_grad(module.running_mean, False, name="running_mean after a training step",
                             why="update it under torch.no_grad() (or with mean.detach()): otherwise the buffer drags "
                                 "every batch's graph along, wasting memory and breaking later backward() calls")


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
    out = module(x)
    expect.close(module.running_mean, saved, name="running_mean after an eval-mode forward",
                 why="eval mode must not update the statistics; check self.training")
    expect.close(out, x - saved, name="RunningCenter output in eval mode",
                 why="in eval mode subtract the stored running_mean, not the batch's own mean")


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
    model(torch.randn(16, 5, generator=g) + 1.0)
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
