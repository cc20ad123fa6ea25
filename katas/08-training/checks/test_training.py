"""Judge halves of the training checks (exercise halves: exercise_training.py). Each docstring:
English title, then Chinese title.

Inputs come from `rng`: a model's initial weights (drawn as nn.Linear draws them) and small synthetic
data whose label is the argmax of a random linear map of x, in batches without shuffling. The child
trains or evaluates with the learner's code and sends back losses and weights; the expected trajectory
is recomputed here by a reference loop written out below, on the CPU. Where a check tells two answers
apart (a smaller last batch, the best epoch, an argmax), inputs are drawn again until they are clearly
apart, so every check holds for any seed and on any device. One check trains on the real MNIST subset
and is judged by evaluating the weights it sends back on the test images here.
"""

import copy
from typing import Callable, NamedTuple

import pytest
import torch
from torch import nn

from grader import expect
from grader.bilingual import Bilingual, Text, both, sentence
from grader.idx import read_idx
from grader.observations import Opaque
from grader.stand_in import STAND_IN


# The architectures by the name the exercise half knows them (its _ARCHITECTURES).
_ARCHITECTURES = {
    "mlp": lambda: [nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3)],
    "mlp-dropout": lambda: [nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3)],
    "mlp-batchnorm": lambda: [nn.Linear(5, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3)],
    "mnist": lambda: [nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10)],
}
_ARGMAX_GAP = 1e-4  # the smallest gap between the two highest logits where a device may not flip the argmax


def _blank(arch: str) -> nn.Sequential:
    """A model of `arch` with uninitialised weights (building it on "meta" draws nothing from the global RNG)."""
    with torch.device("meta"):
        model = nn.Sequential(*_ARCHITECTURES[arch]())
    return model.to_empty(device="cpu")


def _model(arch: str, rng: torch.Generator) -> nn.Sequential:
    """A model of `arch` with nn.Linear's default initial weights (uniform in ±1/√fan_in), drawn from rng."""
    model = _blank(arch)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Linear):
                bound = module.in_features**-0.5
                for p in (module.weight, module.bias):
                    p.copy_((torch.rand(p.shape, generator=rng) * 2 - 1) * bound)
            elif isinstance(module, nn.BatchNorm1d):
                module.reset_parameters()
    return model


def _state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {key: value.clone() for key, value in model.state_dict().items()}


def _params(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def _rule(rng: torch.Generator, features: int = 5, classes: int = 3) -> torch.Tensor:
    return torch.randn(features, classes, generator=rng)


def _data(rng: torch.Generator, rule: torch.Tensor, samples: int, flip: bool = False):
    """A learnable classification set: the label is the argmax of x @ rule (of x @ -rule when flipped)."""
    x = torch.randn(samples, rule.shape[0], generator=rng)
    return x, (x @ (-rule if flip else rule)).argmax(dim=1)


def _batches(x: torch.Tensor, y: torch.Tensor, size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """What DataLoader(TensorDataset(x, y), batch_size=size, shuffle=False) hands out."""
    return [(x[i : i + size], y[i : i + size]) for i in range(0, len(x), size)]


def _draw(make: Callable, acceptable: Callable):
    """make() until acceptable(its result): inputs on which what the check tells apart is clearly apart."""
    for _ in range(100):
        drawn = make()
        if acceptable(drawn):
            return drawn
    raise RuntimeError("no acceptable inputs in 100 draws")


def _mean(values):
    return sum(values) / len(values)


def _near(got: float, want: float, rel: float = 1e-5) -> bool:
    return abs(got - want) <= rel * max(1.0, abs(want))


# --- the reference loop ---------------------------------------------------------------------------


def _sgd(model: nn.Module) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


def _reference_step(model, x, y, optimizer) -> float:
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _reference_epoch(model, batches, optimizer) -> list[float]:
    """One epoch in training mode; each batch's loss."""
    model.train()
    return [_reference_step(model, x, y, optimizer) for x, y in batches]


class _Measured(NamedTuple):
    loss: float  # per sample
    acc: float  # over all samples
    batch_loss: float  # the mean of the batch means (wrong when the last batch is smaller)
    batch_acc: float  # the mean of the batch accuracies (as wrong)
    gap: float  # the smallest gap between the two highest logits of a sample


def _stats(forward: Callable, batches, smoothing: float = 0.0) -> _Measured:
    """What evaluate should find for the logits forward(x) gives (with cross-entropy of this label
    smoothing as the loss), and what its known mistakes find."""
    losses, corrects, sizes, gaps = [], [], [], []
    for x, y in batches:
        logits = forward(x)
        top = logits.topk(2, dim=1).values
        losses.append(nn.functional.cross_entropy(logits, y, label_smoothing=smoothing).item())
        corrects.append((logits.argmax(dim=1) == y).sum().item())
        sizes.append(len(y))
        gaps.append((top[:, 0] - top[:, 1]).min().item())
    count = sum(sizes)
    return _Measured(
        sum(loss * size for loss, size in zip(losses, sizes)) / count,
        sum(corrects) / count,
        _mean(losses),
        _mean([c / s for c, s in zip(corrects, sizes)]),
        min(gaps),
    )


def _measure(model: nn.Module, batches, smoothing: float = 0.0) -> _Measured:
    model.eval()
    with torch.no_grad():
        return _stats(model, batches, smoothing)


def _smoothing(rng) -> float:
    """A label smoothing for the loss function a check passes: a learner who ignores loss_fn and
    computes plain cross-entropy gets another loss."""
    return round(0.05 + 0.3 * float(torch.rand(1, generator=rng)), 3)


def _unused_loss_fn(call: str, got: float, plain: float, want: float) -> None:
    """Fails when `got` is plain cross-entropy (`plain`) where the given loss_fn gives `want`."""
    if _near(got, plain) and not _near(plain, want, 1e-3):
        raise AssertionError(
            both(
                f"{call} returned {got:.6f}, the plain cross-entropy; the loss_fn it was given (cross-entropy with "
                f"label smoothing) gives {want:.6f}: compute the loss with the loss_fn argument, not a loss of your "
                "own choosing",
                f"{call} 返回了 {got:.6f}，这是普通交叉熵的值；传给它的 loss_fn（带标签平滑的交叉熵）给出的是 "
                f"{want:.6f}：请用参数 loss_fn 计算损失，而不是自己另选一个损失函数",
            )
        )


def _reference_fit(model, train_batches, val_batches, epochs):
    """(history, each epoch's parameters, the smallest argmax gap on the validation set)."""
    optimizer = _sgd(model)
    history, states, gap = [], [], float("inf")
    for _ in range(epochs):
        train_loss = _mean(_reference_epoch(model, train_batches, optimizer))
        measured = _measure(model, val_batches)
        history.append({"train_loss": train_loss, "val_loss": measured.loss, "val_acc": measured.acc})
        states.append(_params(model))
        gap = min(gap, measured.gap)
    return history, states, gap


# --- reading what came back -----------------------------------------------------------------------


def _show(value, width: int | None = None) -> Text:
    """What came back, for a message: an object's type, else its repr (its first `width` characters)."""
    if isinstance(value, Opaque):
        return both(f"a {value.type} object", f"一个 {value.type} 对象")
    return repr(value)[:width]


def _not_a_float(call: str, kind: str, shown: Text) -> Bilingual:
    return both(
        "{call} should return a Python float, got {kind}: {shown}",
        "{call} 应返回 Python float，实际得到 {kind}：{shown}",
    ).format(call=call, kind=kind, shown=shown)


def _as_number(got: dict, call: str) -> float:
    value = expect.returned(got["value"], name=call)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    if isinstance(value, (int, float)):
        return float(value)
    raise AssertionError(_not_a_float(call, got["type"], _show(value)))


def _float_problem(got: dict, call: str) -> Text:
    """'' if the call returned a Python float, else a sentence explaining what came back."""
    value = expect.returned(got["value"], name=call)
    if got["is_float"] and isinstance(value, float):
        return ""
    if isinstance(value, torch.Tensor):
        graph = (
            both(
                " that still holds the autograd graph (grad_fn set)", "，而且它还带着自动求导的计算图（grad_fn 已设置）"
            )
            if got["graph"]
            else ""
        )
        return both(
            "{call} should return a Python float, got a tensor{graph}: use loss.item() to take the number "
            "out of each batch's loss; adding up loss tensors keeps every batch's graph in memory",
            "{call} 应返回 Python float，实际得到的是张量{graph}：请用 loss.item() 从每个批次的损失中取出数值；"
            "把损失张量累加起来，会让每个批次的计算图都留在内存里",
        ).format(call=call, graph=graph)
    return _not_a_float(call, got["type"], _show(value))


def _pair(got: dict, call: str, floats: bool) -> tuple[float, float]:
    """evaluate's (mean loss, accuracy); with `floats`, each must be a Python float."""
    value = expect.returned(got["value"], name=call)
    assert got["parts"] is not None, both(
        "{call} should return a tuple (mean loss, accuracy), got {kind}: {shown}",
        "{call} 应返回元组（平均损失，准确率），实际得到 {kind}：{shown}",
    ).format(call=call, kind=got["type"], shown=_show(value))
    if floats:
        whats = (both("the mean loss", "平均损失"), both("the accuracy", "准确率"))
        for part, what in zip(got["parts"], whats):
            assert part["is_float"] and isinstance(part["value"], float), both(
                "{call} should return {what} as a Python float, got {kind}: {shown}. "
                "Use .item() and plain Python arithmetic",
                "{call} 应以 Python float 返回{what}，实际得到 {kind}：{shown}。"
                "请用 .item() 取出数值，再用普通的 Python 运算来计算",
            ).format(call=call, what=what, kind=part["type"], shown=_show(part["value"]))
    loss, acc = (_as_number(part, call) for part in got["parts"])
    return loss, acc


def _epochs(got: dict, epochs: int, call: str) -> list[dict]:
    """fit's history: one dict per epoch, each {key: what came back for it}."""
    value = expect.returned(got["value"], name=call)
    assert got["epochs"] is not None and len(got["epochs"]) == epochs, both(
        "{call} should return a list with one dict per epoch, got {shown}",
        "{call} 应返回一个列表，每轮一个 dict，实际得到 {shown}",
    ).format(call=call, shown=_show(value, 200))
    for epoch, entry in enumerate(got["epochs"]):
        assert entry["entries"] is not None, both(
            f"history[{epoch}] should be a dict, got {entry['type']}",
            f"history[{epoch}] 应是 dict，实际是 {entry['type']}",
        )
    return [entry["entries"] for entry in got["epochs"]]


def _entry(entries: dict, epoch: int, key: str, float_only: bool) -> float:
    assert key in entries, both(
        f"history[{epoch}] should have the key {key!r}, got keys {sorted(entries)}",
        f"history[{epoch}] 应包含键 {key!r}，实际的键是 {sorted(entries)}",
    )
    got = entries[key]
    if float_only:
        assert got["is_float"] and isinstance(got["value"], float), both(
            f"history[{epoch}][{key!r}] should be a Python float, got {got['type']}",
            f"history[{epoch}][{key!r}] 应是 Python float，实际是 {got['type']}",
        )
    return _as_number(got, f"history[{epoch}][{key!r}]")


def _unchanged(params: dict, before: dict) -> bool:
    return all(torch.equal(params[key], value) for key, value in before.items())


def _same_params(params: dict, reference: nn.Module, name: Text, why: Text) -> None:
    for key, want in reference.named_parameters():
        assert key in params, both(
            "{name}: the model has no parameter {key} any more", "{name}：模型里已经没有参数 {key} 了"
        ).format(name=name, key=key)
        parameter = both("{name}: parameter {key}", "{name}：参数 {key}").format(name=name, key=key)
        expect.close(params[key], want, name=parameter, why=why, rtol=1e-4, atol=1e-6)


_ON_STAND_IN = both(
    f"The batches moved to {STAND_IN!r} stand in for batches on a GPU: tensor operations and .item() work on them, "
    "but like GPU tensors they need .cpu() before .numpy()",
    f"移动到 {STAND_IN!r} 的批次是 GPU 上批次的替身：张量运算和 .item() 都能用，"
    "但和 GPU 上的张量一样，要先 .cpu() 才能 .numpy()",
)


def _assert_moved(unmoved: dict, call: str, hint: Text = "") -> None:
    """Every batch reached the model moved; `hint` follows `call` in English, ends each message in Chinese."""
    assert unmoved["batches"], both("{call}{hint} never called the model", "{call} 从未调用模型{hint}").format(
        call=call, hint=hint
    )
    assert not unmoved["x"] and not unmoved["y"], both(
        "{call}{hint}: {x} of {batches} inputs x and {y} labels y reached the model and "
        "the loss without being moved to the device. Move each batch first: x, y = x.to(device), y.to(device) "
        "(the check asks for {stand_in}, a stand-in for a GPU, so this shows on any machine)",
        "{call}：{batches} 个批次中，有 {x} 个批次的输入 x 和 {y} 个批次的标签 y 没有先移动到该设备上，"
        "就直接进入了模型和损失函数{hint}。请先移动每个批次：x, y = x.to(device), y.to(device)"
        "（检查指定的设备是 {stand_in}，它是 GPU 的替身，因此在任何机器上都能发现这个问题）",
    ).format(call=call, hint=hint, x=unmoved["x"], batches=unmoved["batches"], y=unmoved["y"], stand_in=repr(STAND_IN))


def _loader_inputs(arch: str, model: nn.Module, x, y, batch_size: int, **more) -> dict:
    """What the exercise half builds a model and a loader from (plus `more`: lr=, epochs=)."""
    return {"arch": arch, "state": _state(model), "x": x, "y": y, "batch_size": batch_size, **more}


# The checks of one aspect (moving batches, train mode, a float) train with lr=0 on equal batches:
# the mean batch loss is then the initial model's whatever the order of step and zero_grad, and
# weighing batches by size changes nothing, so only their own aspect can fail them.
_STEADY = 0.0


def _steady_loss(model: nn.Module, x, y, batch_size: int) -> float:
    """The mean batch loss of an epoch with lr=0: the initial model's, in training mode."""
    reference = copy.deepcopy(model).train()
    with torch.no_grad():
        return _mean([nn.functional.cross_entropy(reference(bx), by).item() for bx, by in _batches(x, y, batch_size)])


# --- train_step -----------------------------------------------------------------------------------


def test_train_step_matches_reference(rng):
    """train_step updates the parameters exactly like forward, loss, backward, step, zero_grad
    train_step 对参数的更新与“前向、损失、反向、step、zero_grad”完全一致"""
    model = _model("mlp", rng)
    x, y = _data(rng, _rule(rng), 27)
    batches = _batches(x, y, 16)  # 16, then 11
    dtypes = (torch.float32, torch.float64)  # the README fixes no dtype
    seen = yield {"arch": "mlp", "state": _state(model), "batches": batches, "dtypes": dtypes}
    for dtype, calls in zip(dtypes, seen, strict=True):
        reference = copy.deepcopy(model).to(dtype)
        optimizer = _sgd(reference)
        before = _params(reference)
        for i, ((bx, by), call) in enumerate(zip(batches, calls, strict=True), start=1):
            bx = bx.to(dtype)
            want = _reference_step(reference, bx, by, optimizer)
            expect.returned(
                call["out"]["value"],
                name=both(f"train_step call {i} ({dtype})", f"第 {i} 次 train_step 调用（{dtype}）"),
            )
            unchanged = both("train_step must not change its batch", "train_step 不能修改传给它的批次")
            for key, sent in (("x", bx), ("y", by)):
                name = both(f"{key} after train_step call {i}", f"第 {i} 次调用 train_step 之后的 {key}")
                expect.close(call[key], sent, name=name, why=unchanged)
            if _unchanged(call["params"], before):
                raise AssertionError(
                    both(
                        f"call {i} of train_step left every parameter unchanged. optimizer.step() must come after "
                        "loss.backward() (before it there are no gradients yet, or they were just zeroed), and it "
                        "must be called at all",
                        f"第 {i} 次调用 train_step 之后，所有参数都没有变化。optimizer.step() 必须在 loss.backward() "
                        "之后调用（在那之前还没有梯度，或者梯度刚被清零），而且必须真的调用它",
                    )
                )
            why = (
                both(
                    "the first update is already wrong: compute model(x), then loss_fn(output, y), then "
                    "loss.backward(), then optimizer.step()",
                    "第一次更新就已经不对：请依次计算 model(x) 和 loss_fn(output, y)，"
                    "再调用 loss.backward() 和 optimizer.step()",
                )
                if i == 1
                else both(
                    "the first update was right but the second is not: the first batch's gradients were added to "
                    "the second's. Call optimizer.zero_grad() in every step",
                    "第一次更新正确，第二次却不对：第一个批次的梯度被累加到了第二个批次的梯度上。"
                    "请在每一步都调用 optimizer.zero_grad()",
                )
            )
            after = both(f"after train_step call {i} ({dtype})", f"第 {i} 次调用 train_step 之后（{dtype}）")
            _same_params(call["params"], reference, after, why)
            got = _as_number(call["out"], "train_step(...)")
            assert _near(got, want), both(
                f"train_step call {i} should return this batch's loss {want:.6f}, got {got:.6f}. "
                "Return the loss computed before the update, as loss.item()",
                f"第 {i} 次 train_step 调用应返回这个批次的损失 {want:.6f}，实际得到 {got:.6f}。"
                "请返回更新之前算出的损失，并写成 loss.item()",
            )
            before = call["params"]


def test_train_step_returns_float(rng):
    """train_step returns the loss as a Python float, not a tensor
    train_step 以 Python float 返回损失，而不是张量"""
    model = _model("mlp", rng)
    x, y = _data(rng, _rule(rng), 16)
    smoothing = _smoothing(rng)
    seen = yield {"arch": "mlp", "state": _state(model), "x": x, "y": y, "smoothing": smoothing}
    problem = _float_problem(seen, "train_step(...)")
    assert not problem, problem
    with torch.no_grad():
        want = nn.functional.cross_entropy(model(x), y, label_smoothing=smoothing).item()
        plain = nn.functional.cross_entropy(model(x), y).item()
    _unused_loss_fn("train_step(...)", seen["value"], plain, want)
    assert _near(seen["value"], want), both(
        f"train_step(...) returned {seen['value']:.6f}, but this batch's loss is {want:.6f}: return the loss "
        "computed before the update, as loss.item()",
        f"train_step(...) 返回了 {seen['value']:.6f}，但这个批次的损失是 {want:.6f}："
        "请返回更新之前算出的损失，并写成 loss.item()",
    )


# --- train_one_epoch ------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_train_one_epoch_matches_reference(rng):
    """train_one_epoch gives the same parameters and mean loss as the reference loop
    train_one_epoch 得到的参数和平均损失与参考训练循环一致"""
    sizes = (16, 16, 16, 2)  # 50 samples in batches of 16: the last one smaller

    def make():
        model = _model("mlp", rng)
        x, y = _data(rng, _rule(rng), sum(sizes))
        reference = copy.deepcopy(model)
        return model, x, y, reference, _reference_epoch(reference, _batches(x, y, 16), _sgd(reference))

    def apart(drawn):  # the mean of the batch losses is clearly not the mean loss per sample
        losses = drawn[4]
        return not _near(_mean(losses), sum(loss * n for loss, n in zip(losses, sizes)) / sum(sizes), 1e-3)

    model, x, y, reference, losses = _draw(make, apart)
    seen = yield _loader_inputs("mlp", model, x, y, 16, lr=0.1)
    expect.returned(seen["out"]["value"], name="train_one_epoch(...)")
    if _unchanged(seen["params"], _params(model)):
        raise AssertionError(
            both(
                "after train_one_epoch every parameter is unchanged: each batch needs forward, loss, backward and "
                "then optimizer.step() (step before backward has no gradients to use)",
                "train_one_epoch 之后所有参数都没有变化：每个批次都要依次做前向计算、算损失、反向传播，"
                "然后调用 optimizer.step()（在 backward 之前调用 step，还没有梯度可用）",
            )
        )
    _same_params(
        seen["params"],
        reference,
        both("after one epoch", "训练一轮之后"),
        both(
            "for every batch: forward, loss, backward, step, and zero_grad so gradients do not pile up across "
            "batches; and use every batch of the loader exactly once",
            "对每个批次：前向计算、算损失、反向传播、step，再调用 zero_grad，免得梯度在批次之间累积；"
            "并且 loader 里的每个批次都要恰好用一次",
        ),
    )
    got, want = _as_number(seen["out"], "train_one_epoch(...)"), _mean(losses)
    assert _near(got, want), both(
        f"train_one_epoch should return the mean of the 4 batch losses (batches of 16, 16, 16 and 2 samples), "
        f"{want:.6f}, got {got:.6f}. Each batch's loss counts once: add up loss.item() per batch and "
        "divide by the number of batches",
        f"train_one_epoch 应返回 4 个批次损失的平均值（各批次分别有 16、16、16 和 2 个样本），即 {want:.6f}，"
        f"实际得到 {got:.6f}。每个批次的损失只算一次：把每个批次的 loss.item() 加起来，再除以批次数",
    )


def test_train_one_epoch_moves_batches(rng):
    """train_one_epoch moves every batch to the device it is given
    train_one_epoch 把每个批次移动到给定的设备上"""
    model = _model("mlp", rng)
    x, y = _data(rng, _rule(rng), 24)
    seen = yield _loader_inputs("mlp", model, x, y, 8, lr=_STEADY)
    call = f"train_one_epoch(..., device={STAND_IN!r})"
    expect.returned(seen["out"]["value"], name=call, why=_ON_STAND_IN)
    _assert_moved(seen["unmoved"], call)
    got, want = _as_number(seen["out"], call), _steady_loss(model, x, y, 8)
    assert _near(got, want), both(
        f"{call} moved every batch but returned {got:.6f}; the mean of its 3 batch losses is {want:.6f}: "
        "run train_step once on each moved batch and return the mean of the losses",
        f"{call} 移动了每个批次，但返回了 {got:.6f}；它的 3 个批次损失的平均值是 {want:.6f}："
        "请对每个移动后的批次各运行一次 train_step，并返回这些损失的平均值",
    )


def test_train_one_epoch_returns_float(rng):
    """train_one_epoch returns a Python float (no loss tensors kept)
    train_one_epoch 返回 Python float（不保留损失张量）"""
    model = _model("mlp", rng)
    x, y = _data(rng, _rule(rng), 64)
    seen = yield _loader_inputs("mlp", model, x, y, 16, lr=_STEADY)
    problem = _float_problem(seen, "train_one_epoch(...)")
    assert not problem, problem
    want = _steady_loss(model, x, y, 16)
    assert _near(seen["value"], want), both(
        f"train_one_epoch(...) returned {seen['value']:.6f}, but the mean of the 4 batch losses is {want:.6f}: "
        "run train_step once on each batch and return the mean of the losses",
        f"train_one_epoch(...) 返回了 {seen['value']:.6f}，但 4 个批次损失的平均值是 {want:.6f}："
        "请对每个批次各运行一次 train_step，并返回这些损失的平均值",
    )


def test_train_one_epoch_sets_train_mode(rng):
    """train_one_epoch trains in training mode even after the model was put in eval mode
    即使模型之前处于评估模式，train_one_epoch 也在训练模式下训练"""
    # batch norm: in training mode it normalises with each batch's statistics, in eval mode with its
    # running ones, so the losses tell the two modes apart
    model = _model("mlp-batchnorm", rng)
    x, y = _data(rng, _rule(rng), 64)
    seen = yield _loader_inputs("mlp-batchnorm", model, x, y, 16, lr=_STEADY)
    expect.returned(seen["out"]["value"], name="train_one_epoch(...)")
    modes = seen["modes"]
    assert modes, both("train_one_epoch never called the model", "train_one_epoch 从未调用模型")
    assert all(modes), both(
        f"{modes.count(False)} of {len(modes)} forward passes in train_one_epoch ran in eval mode (dropout "
        "off, batch norm on its running statistics). Call model.train() at the start of "
        "train_one_epoch: evaluate() left the model in eval mode",
        f"train_one_epoch 的 {len(modes)} 次前向计算中，有 {modes.count(False)} 次是在评估模式下运行的"
        "（dropout 关闭，batch norm 使用滑动统计量）。请在 train_one_epoch 开头调用 model.train()："
        "evaluate() 让模型停在了评估模式",
    )
    got, want = _as_number(seen["out"], "train_one_epoch(...)"), _steady_loss(model, x, y, 16)
    assert _near(got, want), both(
        f"train_one_epoch(...) returned {got:.6f}; in training mode the mean of its 4 batch losses is {want:.6f}: "
        "put the model in training mode, then run train_step once on each batch",
        f"train_one_epoch(...) 返回了 {got:.6f}；在训练模式下，它的 4 个批次损失的平均值是 {want:.6f}："
        "请先把模型切换到训练模式，再对每个批次各运行一次 train_step",
    )


# --- evaluate -------------------------------------------------------------------------------------


def test_evaluate_matches_reference(rng):
    """evaluate returns the eval-mode mean loss per sample and accuracy as floats, the same on every call
    evaluate 以 float 返回评估模式下每个样本的平均损失和准确率，每次调用结果相同"""

    def make():
        model = _model("mlp-dropout", rng)
        x, y = _data(rng, _rule(rng), 45)  # batches of 16, 16 and 13
        return model, x, y, _measure(copy.deepcopy(model), _batches(x, y, 16))

    def apart(drawn):  # per sample and per batch differ, in loss and accuracy; no argmax near a tie
        m = drawn[3]
        return not _near(m.batch_loss, m.loss, 1e-3) and abs(m.batch_acc - m.acc) > 1e-3 and m.gap > _ARGMAX_GAP

    model, x, y, want = _draw(make, apart)
    seen = yield _loader_inputs("mlp-dropout", model, x, y, 16)
    assert len(seen) == 2, both(
        f"evaluate should have been called twice, got {len(seen)} results",
        f"evaluate 应被调用两次，实际得到 {len(seen)} 个结果",
    )
    for call, got in enumerate(seen, start=1):
        got_loss, got_acc = _pair(got, "evaluate(...)", floats=True)
        if abs(got_loss - want.batch_loss) <= 1e-6 * max(1.0, want.batch_loss) < abs(want.loss - want.batch_loss):
            raise AssertionError(
                both(
                    f"evaluate(...) returned mean loss {got_loss:.6f}, the mean of the 3 batch means; the mean loss "
                    f"per sample is {want.loss:.6f}. The last batch has 13 samples, not 16: weight each batch's loss "
                    "by its size (loss.item() * len(y)) and divide by the number of samples",
                    f"evaluate(...) 返回的平均损失是 {got_loss:.6f}，这是 3 个批次均值的平均；按样本算的平均损失是 "
                    f"{want.loss:.6f}。最后一个批次只有 13 个样本，而不是 16 个：请按批次大小给每个批次的损失加权"
                    "（loss.item() * len(y)），再除以样本总数",
                )
            )
        assert _near(got_loss, want.loss), both(
            f"evaluate(...) call {call} returned mean loss {got_loss:.6f}, expected {want.loss:.6f} (the model in "
            "eval mode). If it changes from call to call, dropout is still active: call model.eval() first. "
            "Otherwise check the averaging: the loss per sample over the whole loader",
            f"第 {call} 次调用 evaluate(...) 返回的平均损失是 {got_loss:.6f}，应为 {want.loss:.6f}（模型处于评估模式）。"
            "如果每次调用的结果都不一样，说明 dropout 仍在起作用：请先调用 model.eval()。"
            "否则请检查求平均的方式：应是整个 loader 上每个样本的平均损失",
        )
        if abs(got_acc - want.batch_acc) <= 1e-6 < abs(want.acc - want.batch_acc):
            raise AssertionError(
                both(
                    f"evaluate(...) returned accuracy {got_acc:.4f}, the mean of the 3 batch accuracies; over all 45 "
                    f"samples it is {want.acc:.4f}. Count the correct answers over the whole loader and divide once",
                    f"evaluate(...) 返回的准确率是 {got_acc:.4f}，这是 3 个批次准确率的平均；在全部 45 个样本上，"
                    f"准确率是 {want.acc:.4f}。请统计整个 loader 上预测正确的样本数，最后只除一次",
                )
            )
        assert abs(got_acc - want.acc) <= 1e-6, both(
            f"evaluate(...) call {call} returned accuracy {got_acc:.4f}, expected {want.acc:.4f}: the fraction of "
            "samples with logits.argmax(dim=1) == y over the whole loader, in eval mode",
            f"第 {call} 次调用 evaluate(...) 返回的准确率是 {got_acc:.4f}，应为 {want.acc:.4f}："
            "即在评估模式下，整个 loader 上满足 logits.argmax(dim=1) == y 的样本所占的比例",
        )


def _even_evaluation(rng, samples: int, batch_size: int, smoothing: float = 0.0):
    """(model, x, y, measured): equal batches, so per sample and per batch agree; no argmax near a tie."""

    def make():
        model = _model("mlp", rng)
        x, y = _data(rng, _rule(rng), samples)
        return model, x, y, _measure(copy.deepcopy(model), _batches(x, y, batch_size), smoothing)

    return _draw(make, lambda drawn: drawn[3].gap > _ARGMAX_GAP)


def _assert_measured(got_loss: float, got_acc: float, want: _Measured, call: str, why: Text) -> None:
    returned = both(
        f"{call} returned (mean loss {got_loss:.6f}, accuracy {got_acc:.4f}), expected ({want.loss:.6f}, "
        f"{want.acc:.4f})",
        f"{call} 返回了（平均损失 {got_loss:.6f}，准确率 {got_acc:.4f}），应为（{want.loss:.6f}，{want.acc:.4f}）",
    )
    assert _near(got_loss, want.loss) and abs(got_acc - want.acc) <= 1e-6, sentence(returned, why)


def test_evaluate_moves_batches(rng):
    """evaluate moves every batch to the device it is given
    evaluate 把每个批次移动到给定的设备上"""
    model, x, y, want = _even_evaluation(rng, 24, 8)
    seen = yield _loader_inputs("mlp", model, x, y, 8)
    call = f"evaluate(..., device=torch.device({STAND_IN!r}))"
    expect.returned(seen["out"]["value"], name=call, why=_ON_STAND_IN)
    _assert_moved(seen["unmoved"], call)
    _assert_measured(
        *_pair(seen["out"], call, floats=False),
        want,
        call,
        both(
            "Every batch was moved; now measure each one: the loss per sample and the fraction of "
            "correct answers over the whole loader",
            "每个批次都已移动；接下来要把每个批次都算进去：整个 loader 上每个样本的平均损失，以及预测正确的比例",
        ),
    )


def test_evaluate_no_grad(rng):
    """evaluate runs the model without gradient tracking, and leaves grad mode and loss_fn as they were
    evaluate 在不跟踪梯度的情况下运行模型，并让梯度模式和 loss_fn 保持原样"""
    smoothing = _smoothing(rng)
    model, x, y, want = _even_evaluation(rng, 32, 16, smoothing)
    seen = yield _loader_inputs("mlp", model, x, y, 16, smoothing=smoothing)
    expect.returned(seen["out"]["value"], name="evaluate(...)")
    assert seen["grad_after"], both(
        "after evaluate(...) returned, gradients were still switched off, so the next train_step has no graph "
        "to run backward through. torch.set_grad_enabled(False) lasts until it is switched back: use "
        "`with torch.no_grad():`, which switches gradients back on when the block ends",
        "evaluate(...) 返回之后，梯度计算仍处于关闭状态，于是下一次 train_step 没有计算图可供反向传播。"
        "torch.set_grad_enabled(False) 会一直生效，直到再被打开：请用 `with torch.no_grad():`，"
        "代码块结束时它会自动重新打开梯度计算",
    )
    assert not seen["grad_after_in_no_grad"], both(
        "evaluate(...) called inside `with torch.no_grad():` switched gradients on for its caller: "
        "torch.set_grad_enabled(True) at the end turns them on whatever they were before. "
        "`with torch.no_grad():` puts back the mode it found",
        "在 `with torch.no_grad():` 里调用 evaluate(...) 之后，调用方的梯度计算被打开了："
        "末尾的 torch.set_grad_enabled(True) 不管之前是什么状态都会打开梯度。"
        "`with torch.no_grad():` 结束时会恢复它进入时的状态",
    )
    reduction = seen["reduction_after"]
    assert reduction == "mean", both(
        f"evaluate(...) changed the loss function it was given: loss_fn.reduction was 'mean', now {reduction!r}. "
        "fit trains with the same loss_fn after each evaluate, so every later step would use that reduction. "
        "Leave loss_fn as it is: weight each batch's mean loss by len(y) instead",
        f"evaluate(...) 改动了传给它的损失函数：loss_fn.reduction 原来是 'mean'，现在是 {reduction!r}。"
        "fit 在每次 evaluate 之后还用同一个 loss_fn 训练，于是之后的每一步都会用这种 reduction。"
        "请不要改动 loss_fn：改为按 len(y) 给每个批次的平均损失加权",
    )
    grad_modes = seen["grad_modes"]
    assert grad_modes, both("evaluate never called the model", "evaluate 从未调用模型")
    assert not any(grad_modes), both(
        f"{sum(grad_modes)} of {len(grad_modes)} forward passes in evaluate built an autograd graph: wrap the loop "
        "in `with torch.no_grad():` (evaluation needs no gradients; the graph only costs time and memory)",
        f"evaluate 的 {len(grad_modes)} 次前向计算中，有 {sum(grad_modes)} 次构建了自动求导的计算图："
        "请把循环放进 `with torch.no_grad():`（评估不需要梯度，计算图只会白白耗费时间和内存）",
    )
    assert seen["no_grads"], both(
        "evaluate should not compute gradients (no backward())", "evaluate 不应计算梯度（不要调用 backward()）"
    )
    got_loss, got_acc = _pair(seen["out"], "evaluate(...)", floats=False)
    plain = _measure(copy.deepcopy(model), _batches(x, y, 16)).loss
    _unused_loss_fn("evaluate(...)", got_loss, plain, want.loss)
    _assert_measured(
        got_loss,
        got_acc,
        want,
        "evaluate(...)",
        both(
            "The loss per sample and the fraction of correct answers over the whole loader, in eval mode",
            "应在评估模式下，计算整个 loader 上每个样本的平均损失和预测正确的比例",
        ),
    )


# --- snapshot -------------------------------------------------------------------------------------


def test_snapshot_is_a_copy(rng):
    """snapshot keeps the weights as they were, even after more training
    snapshot 保存当时的权重，之后继续训练也不会改变它"""
    model = _model("mlp-batchnorm", rng)
    x, y = _data(rng, _rule(rng), 48)
    batches = _batches(x, y, 16)  # one step before the snapshot, two after it
    seen = yield {"arch": "mlp-batchnorm", "state": _state(model), "batches": batches}
    reference = copy.deepcopy(model)
    _reference_step(reference, *batches[0], _sgd(reference))
    expected = _state(reference)
    if seen["keys"] is None:
        expect.returned(seen["saved"], name="snapshot(model)")
        raise AssertionError(
            both(
                f"snapshot(model) should return a dict like model.state_dict(), got {seen['type']}",
                f"snapshot(model) 应像 model.state_dict() 一样返回 dict，实际得到 {seen['type']}",
            )
        )
    assert set(seen["keys"]) == set(expected), both(
        f"snapshot(model) should have the keys of model.state_dict() {sorted(expected)}, got {seen['keys']}",
        f"snapshot(model) 的键应与 model.state_dict() 的键 {sorted(expected)} 相同，实际是 {seen['keys']}",
    )
    live = both(
        "model.state_dict() hands out the live tensors, so training changes them too: copy them "
        "(copy.deepcopy(model.state_dict()) or {k: v.clone() for k, v in ...})",
        "model.state_dict() 交出的是模型正在使用的张量本身，训练也会改变它们：请复制一份"
        "（copy.deepcopy(model.state_dict()) 或 {k: v.clone() for k, v in ...}）",
    )
    for key, want in expected.items():
        expect.matches(
            seen["values"][key],
            want,
            name=both(
                f"snapshot(model)[{key!r}] after two more training steps", f"再训练两步之后的 snapshot(model)[{key!r}]"
            ),
            why=live,
        )
    expect.returned(seen["load"], name="model.load_state_dict(snapshot(model))")
    for key, want in expected.items():
        name = both(
            f"model.state_dict()[{key!r}] after load_state_dict(snapshot)",
            f"load_state_dict(snapshot) 之后的 model.state_dict()[{key!r}]",
        )
        expect.close(seen["after_load"][key], want, name=name)


# --- fit ------------------------------------------------------------------------------------------


def test_fit_keeps_best(rng):
    """fit records a float history per epoch and ends with the best epoch's weights
    fit 逐轮记录 float 类型的历史，并在结束时恢复最佳一轮的权重"""
    epochs = 4

    # Batch norm normalises with the batch's statistics in training mode and with its running ones in
    # eval mode, deterministically: a fit that leaves the model in eval mode after evaluate trains
    # epochs 2 and later differently.
    def make():
        model, rule = _model("mlp-batchnorm", rng), _rule(rng)
        train = _data(rng, rule, 60)  # batches of 16, 16, 16 and 12
        # a validation set whose labels follow the opposite rule: the more the model learns, the worse
        # it scores there, so the best epoch is often an early one
        val = _data(rng, rule, 30, flip=True)
        return (
            model,
            train,
            val,
            *_reference_fit(copy.deepcopy(model), _batches(*train, 16), _batches(*val, 16), epochs),
        )

    def clear(drawn):  # the best epoch is not the last, and clearly the best; no argmax near a tie
        losses, gap = [h["val_loss"] for h in drawn[3]], drawn[5]
        best = losses.index(min(losses))
        runner_up = min(loss for i, loss in enumerate(losses) if i != best)
        return best != epochs - 1 and not _near(runner_up, losses[best], 1e-3) and gap > _ARGMAX_GAP

    model, (train_x, train_y), (val_x, val_y), want_history, states, _ = _draw(make, clear)
    val_losses = [h["val_loss"] for h in want_history]
    best = val_losses.index(min(val_losses))
    seen = yield {
        "arch": "mlp-batchnorm",
        "state": _state(model),
        "train_x": train_x,
        "train_y": train_y,
        "val_x": val_x,
        "val_y": val_y,
        "batch_size": 16,
        "epochs": epochs,
    }
    history = _epochs(seen["history"], epochs, f"fit(..., epochs={epochs})")
    for epoch, (entries, want) in enumerate(zip(history, want_history), start=1):
        for key, value in want.items():
            got = _entry(entries, epoch - 1, key, float_only=True)
            mode = (
                both(
                    " (the model has batch norm: after evaluate's model.eval(), each epoch must train in "
                    "training mode again, which train_one_epoch's model.train() does)",
                    "（模型带有批归一化：evaluate 调用 model.eval() 之后，每一轮都必须重新在训练模式下训练，"
                    "train_one_epoch 中的 model.train() 正是做这件事的）",
                )
                if key == "train_loss" and epoch > 1
                else ""
            )
            assert _near(got, value), both(
                f"epoch {epoch}: {key} should be {value:.6f}, got {got:.6f}. Each epoch: train_one_epoch on "
                "the training loader, then evaluate on the validation loader{mode}",
                f"第 {epoch} 轮：{key} 应为 {value:.6f}，实际是 {got:.6f}。每一轮都要先在训练集的 loader 上运行 "
                "train_one_epoch，再在验证集的 loader 上运行 evaluate{mode}",
            ).format(mode=mode)
    best_weights = both(
        f"the lowest val_loss was after epoch {best + 1} of {epochs}, so fit should end with that epoch's "
        "weights. If you got the last epoch's instead: keep a real copy (snapshot), not model.state_dict() "
        "itself, and load it back with model.load_state_dict() at the end",
        f"最低的 val_loss 出现在第 {best + 1} 轮之后（共 {epochs} 轮），所以 fit 结束时模型应当是那一轮的权重。"
        "如果你得到的是最后一轮的权重：请保存一份真正的副本（snapshot），而不是 model.state_dict() 本身，"
        "并在最后用 model.load_state_dict() 把它加载回来",
    )
    for key, want in states[best].items():
        expect.close(
            seen["params"][key],
            want,
            name=both(f"the model's {key} after fit", f"fit 结束后的模型参数 {key}"),
            rtol=1e-4,
            atol=1e-6,
            why=best_weights,
        )


# Class probabilities the model predicts after each epoch (exercise_training.py's _ScriptedSteps
# writes them in), before a little noise; the validation labels are 5 × one class, 3 × another,
# 2 × the third. Epoch 2 has the lowest val_loss; epoch 4 repeats it exactly (a tie the first epoch
# wins); epochs 1 and 5 have the highest accuracy but a higher loss.
_SCRIPT = ((0.9, 0.05, 0.05), (0.4, 0.42, 0.18), (0.2, 0.6, 0.2), (0.4, 0.42, 0.18), (0.9, 0.05, 0.05))
_SCRIPT_LABELS = (0, 1, 0, 2, 0, 1, 0, 2, 1, 0)
_SCRIPT_BATCH = 4  # 10 validation samples: batches of 4, 4 and 2


def _script(rng):
    """(rows, val_y, each epoch's val_loss, val_acc): the script with noise, its classes renamed and its
    samples shuffled."""
    rows = (torch.tensor(_SCRIPT) + (torch.rand(5, 3, generator=rng) - 0.5) * 0.02).clamp_min(0.01)
    rows[3] = rows[1]  # the tie
    rows = rows / rows.sum(dim=1, keepdim=True)
    order = torch.randperm(3, generator=rng)
    renamed = torch.empty_like(rows)
    renamed[:, order] = rows
    val_y = order[torch.tensor(_SCRIPT_LABELS)][torch.randperm(len(_SCRIPT_LABELS), generator=rng)]
    batches = _batches(torch.zeros(len(val_y), 1), val_y, _SCRIPT_BATCH)
    measured = [_stats(lambda x, row=row: row.log().expand(len(x), 3), batches) for row in renamed]
    return renamed, val_y, measured


def _script_clear(drawn) -> bool:
    """Epoch 2 clearly lowest (epoch 4 ties it), epochs 1 and 5 the most accurate, mean of batch means
    clearly off in some epoch, no argmax near a tie."""
    losses = [m.loss for m in drawn[2]]
    accs = [m.acc for m in drawn[2]]
    return (
        all(losses[i] - losses[1] > 1e-3 for i in (0, 2, 4))
        and losses[3] == losses[1]
        and accs[0] == accs[4] > max(accs[1], accs[2])
        and min(m.gap for m in drawn[2]) > 1e-3
        and any(not _near(m.batch_loss, m.loss, 1e-3) for m in drawn[2])
    )


def test_fit_best_epoch_rule(rng):
    """fit keeps the epoch with the lowest val_loss, the first one on a tie, not the most accurate
    fit 保留 val_loss 最低的一轮（并列时取最早的一轮），而不是准确率最高的一轮"""
    rows, val_y, measured = _draw(lambda: _script(rng), _script_clear)
    want_loss, want_acc = [m.loss for m in measured], [m.acc for m in measured]
    seen = yield {"rows": rows, "val_y": val_y, "batch_size": _SCRIPT_BATCH}
    history = _epochs(seen["history"], len(rows), f"fit(..., epochs={len(rows)})")
    for epoch, entries in enumerate(history, start=1):
        shown = f"{seen['history']['value'][epoch - 1]!r:.200}"
        assert "val_loss" in entries and "val_acc" in entries, both(
            f"history[{epoch - 1}] should be a dict with val_loss and val_acc, got {shown}",
            f"history[{epoch - 1}] 应是包含 val_loss 和 val_acc 的 dict，实际是 {shown}",
        )
        got = _as_number(entries["val_loss"], f"history[{epoch - 1}]['val_loss']")
        assert abs(got - want_loss[epoch - 1]) <= 1e-5, both(
            f"epoch {epoch}: val_loss should be {want_loss[epoch - 1]:.5f}, got {got:.5f}: evaluate the "
            "model on val_loader after each epoch's training",
            f"第 {epoch} 轮：val_loss 应为 {want_loss[epoch - 1]:.5f}，实际是 {got:.5f}："
            "每一轮训练之后，都要在 val_loader 上评估模型",
        )
    kept = int(seen["tag"])
    losses = ", ".join(f"{v:.3f}" for v in want_loss)
    accuracies = ", ".join(f"{v:.1f}" for v in want_acc)
    # English: "epoch N has <reason>"; Chinese: "第 N 轮<reason>"
    reasons = {
        1: both(
            "the highest val_acc: the best epoch is the one with the lowest val_loss",
            "的 val_acc 最高，但最佳的一轮是 val_loss 最低的那一轮",
        ),
        4: both(
            "a val_loss equal to epoch 2's; on a tie the first epoch wins (compare with <, not <=)",
            "的 val_loss 与第 2 轮相同；并列时应取较早的一轮（用 < 比较，而不是 <=）",
        ),
        5: both(
            "the last epoch: load the best snapshot back at the end", "是最后一轮：请在最后把最佳一轮的快照加载回来"
        ),
    }
    other = both("neither the lowest val_loss nor a tie", "既不是 val_loss 最低的一轮，也不是与它并列的一轮")
    assert kept == 2, both(
        "fit ended with epoch {kept}'s weights; expected epoch 2. The val_loss per epoch was {losses} and the "
        "val_acc {accuracies}; epoch {kept} has {reason}",
        "fit 结束时保留的是第 {kept} 轮的权重，应为第 2 轮。各轮的 val_loss 依次为 {losses}，"
        "val_acc 依次为 {accuracies}；第 {kept} 轮{reason}",
    ).format(kept=kept, losses=losses, accuracies=accuracies, reason=reasons.get(kept, other))
    expect.close(
        seen["logits"],
        rows[1].log(),
        name=both("the model's logits after fit", "fit 结束后模型输出的 logits"),
        why=both(
            "fit should end with epoch 2's weights, loaded back from the snapshot taken then",
            "fit 结束时模型应当是第 2 轮的权重，即从当时保存的快照中加载回来的权重",
        ),
    )


def test_fit_moves_batches(rng):
    """fit hands its device on to training and evaluation
    fit 把它的 device 传给训练和评估"""
    model = _model("mlp", rng)
    x, y = _data(rng, _rule(rng), 24)
    seen = yield _loader_inputs("mlp", model, x, y, 8, lr=_STEADY, epochs=2)
    call = f"fit(..., epochs=2, device={STAND_IN!r})"
    expect.returned(seen["history"]["value"], name=call, why=_ON_STAND_IN)
    _assert_moved(
        seen["unmoved"],
        call,
        both(" (pass device on to train_one_epoch and evaluate)", "（请把 device 传给 train_one_epoch 和 evaluate）"),
    )
    got = _entry(_epochs(seen["history"], 2, call)[0], 0, "train_loss", float_only=False)
    want = _steady_loss(model, x, y, 8)
    assert _near(got, want), both(
        f"{call} moved every batch, but history[0]['train_loss'] is {got:.6f}; the first epoch's mean batch loss "
        f"is {want:.6f}: each epoch, train_one_epoch(model, train_loader, loss_fn, optimizer, device)",
        f"{call} 移动了每个批次，但 history[0]['train_loss'] 是 {got:.6f}；第一轮的批次平均损失是 {want:.6f}："
        "每一轮都应调用 train_one_epoch(model, train_loader, loss_fn, optimizer, device)",
    )


# --- real digits ----------------------------------------------------------------------------------


def _mnist(folder, split: str):
    images = torch.from_numpy(read_idx(folder / f"{split}-images-idx3-ubyte.gz")).flatten(1).float() / 255.0
    labels = torch.from_numpy(read_idx(folder / f"{split}-labels-idx1-ubyte.gz")).long()
    return images, labels


@pytest.mark.points(2)
def test_fit_mnist(rng, kata_data):
    """fit trains a small network on real MNIST digits to at least 85% accuracy
    fit 在真实的 MNIST 手写数字上把一个小网络训练到至少 85% 的准确率"""
    model = _model("mnist", rng)
    seeds = torch.randint(2**31 - 1, (2,), generator=rng).tolist()
    seen = yield {"arch": "mnist", "state": _state(model), "shuffle_seed": seeds[0], "seed": seeds[1]}
    history = _epochs(seen["history"], 3, "fit(..., epochs=3)")
    best_acc = max(_entry(entries, epoch, "val_acc", float_only=False) for epoch, entries in enumerate(history))
    assert best_acc >= 0.85, both(
        f"after 3 epochs on MNIST the best val_acc in the history (on the 1,000 test images) should be at least "
        f"0.85, got {best_acc:.3f}: "
        "is the model trained in train mode, evaluated in eval mode, and are gradients zeroed each step?",
        f"在 MNIST 上训练 3 轮后，history 中最好的 val_acc（在 1,000 张测试图像上）应至少为 0.85，"
        f"实际是 {best_acc:.3f}：模型是否在训练模式下训练、在评估模式下评估？每一步是否都清零了梯度？",
    )
    best_loss = min(_entry(entries, epoch, "val_loss", float_only=False) for epoch, entries in enumerate(history))
    trained = _blank("mnist")
    trained.load_state_dict(seen["params"])
    measured = _measure(trained, [_mnist(kata_data, "t10k")])
    assert _near(measured.loss, best_loss, 1e-4), both(
        f"after fit the model's validation loss (in eval mode) is {measured.loss:.5f}, but the best epoch's val_loss "
        f"in the history is {best_loss:.5f}. Either fit did not load the best epoch's weights (a copy made then) "
        "back into the model at the end, or evaluate measured with dropout on (no model.eval())",
        f"fit 之后，模型在验证集上的损失（评估模式下）是 {measured.loss:.5f}，但 history 中最佳一轮的 val_loss 是 "
        f"{best_loss:.5f}。要么 fit 在最后没有把最佳一轮的权重（当时保存的副本）加载回模型，"
        "要么 evaluate 测量时 dropout 仍然开着（没有调用 model.eval()）",
    )
    assert measured.acc >= 0.85, both(
        f"after fit the model classifies {measured.acc:.3f} of the 1,000 test images correctly (measured by the "
        "check), below 0.85: fit should end with the weights of its best epoch",
        f"fit 之后，模型在 1,000 张测试图像上的准确率是 {measured.acc:.3f}（由检查测得），低于 0.85："
        "fit 结束时模型应当是最佳一轮的权重",
    )
    # No gradient reaches the first layer's weights for pixels blank in every training image, so
    # training from the initial weights this check sent leaves them exactly as they were.
    blank = _mnist(kata_data, "train")[0].amax(dim=0) == 0
    expect.close(
        seen["params"]["0.weight"][:, blank],
        model.state_dict()["0.weight"][:, blank],
        name=both(
            "0.weight on the pixels that are blank in every training image",
            "0.weight 中对应那些在所有训练图像里都是空白的像素的权重",
        ),
        why=both(
            "no gradient reaches them, so training leaves them at their initial values: train the model "
            "fit is given, from the weights it has",
            "这些权重得不到任何梯度，训练后应保持初始值不变：请训练传给 fit 的那个模型，并从它现有的权重开始",
        ),
    )
