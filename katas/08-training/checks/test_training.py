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
from grader.idx import read_idx
from grader.observations import Opaque

_STAND_IN = "meta"  # the device the moves_batches checks ask for (exercise_training.py)

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


def _stats(forward: Callable, batches) -> _Measured:
    """What evaluate should find for the logits forward(x) gives, and what its known mistakes find."""
    losses, corrects, sizes, gaps = [], [], [], []
    for x, y in batches:
        logits = forward(x)
        top = logits.topk(2, dim=1).values
        losses.append(nn.functional.cross_entropy(logits, y).item())
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


def _measure(model: nn.Module, batches) -> _Measured:
    model.eval()
    with torch.no_grad():
        return _stats(model, batches)


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


def _show(value) -> str:
    return f"a {value.type} object" if isinstance(value, Opaque) else repr(value)


def _as_number(got: dict, call: str) -> float:
    value = expect.returned(got["value"], name=call)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    if isinstance(value, (int, float)):
        return float(value)
    raise AssertionError(f"{call} should return a Python float, got {got['type']}: {_show(value)}")


def _float_problem(got: dict, call: str) -> str:
    """'' if the call returned a Python float, else a sentence explaining what came back."""
    value = expect.returned(got["value"], name=call)
    if got["is_float"] and isinstance(value, float):
        return ""
    if isinstance(value, torch.Tensor):
        graph = " that still holds the autograd graph (grad_fn set)" if got["graph"] else ""
        return (
            f"{call} should return a Python float, got a tensor{graph}: use loss.item() to take the number "
            "out of each batch's loss; adding up loss tensors keeps every batch's graph in memory"
        )
    return f"{call} should return a Python float, got {got['type']}: {_show(value)}"


def _pair(got: dict, call: str, floats: bool) -> tuple[float, float]:
    """evaluate's (mean loss, accuracy); with `floats`, each must be a Python float."""
    value = expect.returned(got["value"], name=call)
    assert got["parts"] is not None, (
        f"{call} should return a tuple (mean loss, accuracy), got {got['type']}: {_show(value)}"
    )
    if floats:
        for part, what in zip(got["parts"], ("the mean loss", "the accuracy")):
            assert part["is_float"] and isinstance(part["value"], float), (
                f"{call} should return {what} as a Python float, got {part['type']}: {_show(part['value'])}. "
                "Use .item() and plain Python arithmetic"
            )
    loss, acc = (_as_number(part, call) for part in got["parts"])
    return loss, acc


def _epochs(got: dict, epochs: int, call: str) -> list[dict]:
    """fit's history: one dict per epoch, each {key: what came back for it}."""
    value = expect.returned(got["value"], name=call)
    assert got["epochs"] is not None and len(got["epochs"]) == epochs, (
        f"{call} should return a list with one dict per epoch, got {_show(value):.200}"
    )
    for epoch, entry in enumerate(got["epochs"]):
        assert entry["entries"] is not None, f"history[{epoch}] should be a dict, got {entry['type']}"
    return [entry["entries"] for entry in got["epochs"]]


def _entry(entries: dict, epoch: int, key: str, float_only: bool) -> float:
    assert key in entries, f"history[{epoch}] should have the key {key!r}, got keys {sorted(entries)}"
    got = entries[key]
    if float_only:
        assert got["is_float"] and isinstance(got["value"], float), (
            f"history[{epoch}][{key!r}] should be a Python float, got {got['type']}"
        )
    return _as_number(got, f"history[{epoch}][{key!r}]")


def _unchanged(params: dict, before: dict) -> bool:
    return all(torch.equal(params[key], value) for key, value in before.items())


def _same_params(params: dict, reference: nn.Module, name: str, why: str) -> None:
    for key, want in reference.named_parameters():
        assert key in params, f"{name}: the model has no parameter {key} any more"
        expect.close(params[key], want, name=f"{name}: parameter {key}", why=why, rtol=1e-4, atol=1e-6)


def _assert_moved(unmoved: dict, call: str) -> None:
    assert unmoved["batches"], f"{call} never called the model"
    assert not unmoved["x"] and not unmoved["y"], (
        f"{call}: {unmoved['x']} of {unmoved['batches']} inputs x and {unmoved['y']} labels y reached the model and "
        f"the loss without being moved to the device. Move each batch first: x, y = x.to(device), y.to(device) "
        f"(the check asks for {_STAND_IN!r}, a stand-in for a GPU, so this shows on any machine)"
    )


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
    train_step 对参数的更新与"前向、损失、反向、step、zero_grad"完全一致"""
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
            expect.returned(call["out"]["value"], name=f"train_step call {i} ({dtype})")
            expect.close(call["x"], bx, name=f"x after train_step call {i}", why="train_step must not change its batch")
            expect.close(call["y"], by, name=f"y after train_step call {i}", why="train_step must not change its batch")
            if _unchanged(call["params"], before):
                raise AssertionError(
                    f"call {i} of train_step left every parameter unchanged. optimizer.step() must come after "
                    "loss.backward() (before it there are no gradients yet, or they were just zeroed), and it "
                    "must be called at all"
                )
            why = (
                (
                    "the first update is already wrong: compute model(x), then loss_fn(output, y), then "
                    "loss.backward(), then optimizer.step()"
                )
                if i == 1
                else (
                    "the first update was right but the second is not: the first batch's gradients were added to "
                    "the second's. Call optimizer.zero_grad() in every step"
                )
            )
            _same_params(call["params"], reference, f"after train_step call {i} ({dtype})", why)
            got = _as_number(call["out"], "train_step(...)")
            assert _near(got, want), (
                f"train_step call {i} should return this batch's loss {want:.6f}, got {got:.6f}. "
                "Return the loss computed before the update, as loss.item()"
            )
            before = call["params"]


def test_train_step_returns_float(rng):
    """train_step returns the loss as a Python float, not a tensor
    train_step 以 Python float 返回损失，而不是张量"""
    model = _model("mlp", rng)
    x, y = _data(rng, _rule(rng), 16)
    seen = yield {"arch": "mlp", "state": _state(model), "x": x, "y": y}
    problem = _float_problem(seen, "train_step(...)")
    assert not problem, problem
    with torch.no_grad():
        want = nn.functional.cross_entropy(model(x), y).item()
    assert _near(seen["value"], want), (
        f"train_step(...) returned {seen['value']:.6f}, but this batch's loss is {want:.6f}: return the loss "
        "computed before the update, as loss.item()"
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
            "after train_one_epoch every parameter is unchanged: each batch needs forward, loss, backward and "
            "then optimizer.step() (step before backward has no gradients to use)"
        )
    _same_params(
        seen["params"],
        reference,
        "after one epoch",
        (
            "for every batch: forward, loss, backward, step, and zero_grad so gradients do not pile up across "
            "batches; and use every batch of the loader exactly once"
        ),
    )
    got, want = _as_number(seen["out"], "train_one_epoch(...)"), _mean(losses)
    assert _near(got, want), (
        f"train_one_epoch should return the mean of the 4 batch losses (batches of 16, 16, 16 and 2 samples), "
        f"{want:.6f}, got {got:.6f}. Each batch's loss counts once: add up loss.item() per batch and "
        "divide by the number of batches"
    )


def test_train_one_epoch_moves_batches(rng):
    """train_one_epoch moves every batch to the device it is given
    train_one_epoch 把每个批次移动到给定的设备上"""
    model = _model("mlp", rng)
    x, y = _data(rng, _rule(rng), 24)
    seen = yield _loader_inputs("mlp", model, x, y, 8, lr=_STEADY)
    call = f"train_one_epoch(..., device={_STAND_IN!r})"
    expect.returned(seen["out"]["value"], name=call)
    _assert_moved(seen["unmoved"], call)
    got, want = _as_number(seen["out"], call), _steady_loss(model, x, y, 8)
    assert _near(got, want), (
        f"{call} moved every batch but returned {got:.6f}; the mean of its 3 batch losses is {want:.6f}: "
        "run train_step once on each moved batch and return the mean of the losses"
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
    assert _near(seen["value"], want), (
        f"train_one_epoch(...) returned {seen['value']:.6f}, but the mean of the 4 batch losses is {want:.6f}: "
        "run train_step once on each batch and return the mean of the losses"
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
    assert modes, "train_one_epoch never called the model"
    assert all(modes), (
        f"{modes.count(False)} of {len(modes)} forward passes in train_one_epoch ran in eval mode (dropout "
        "off, batch norm on its running statistics). Call model.train() at the start of "
        "train_one_epoch: evaluate() left the model in eval mode"
    )
    got, want = _as_number(seen["out"], "train_one_epoch(...)"), _steady_loss(model, x, y, 16)
    assert _near(got, want), (
        f"train_one_epoch(...) returned {got:.6f}; in training mode the mean of its 4 batch losses is {want:.6f}: "
        "put the model in training mode, then run train_step once on each batch"
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
    assert len(seen) == 2, f"evaluate should have been called twice, got {len(seen)} results"
    for call, got in enumerate(seen, start=1):
        got_loss, got_acc = _pair(got, "evaluate(...)", floats=True)
        if abs(got_loss - want.batch_loss) <= 1e-6 * max(1.0, want.batch_loss) < abs(want.loss - want.batch_loss):
            raise AssertionError(
                f"evaluate(...) returned mean loss {got_loss:.6f}, the mean of the 3 batch means; the mean loss per "
                f"sample is {want.loss:.6f}. The last batch has 13 samples, not 16: weight each batch's loss by its "
                "size (loss.item() * len(y)) and divide by the number of samples"
            )
        assert _near(got_loss, want.loss), (
            f"evaluate(...) call {call} returned mean loss {got_loss:.6f}, expected {want.loss:.6f} (the model in "
            "eval mode). If it changes from call to call, dropout is still active: call model.eval() first. "
            "Otherwise check the averaging: the loss per sample over the whole loader"
        )
        if abs(got_acc - want.batch_acc) <= 1e-6 < abs(want.acc - want.batch_acc):
            raise AssertionError(
                f"evaluate(...) returned accuracy {got_acc:.4f}, the mean of the 3 batch accuracies; over all 45 "
                f"samples it is {want.acc:.4f}. Count the correct answers over the whole loader and divide once"
            )
        assert abs(got_acc - want.acc) <= 1e-6, (
            f"evaluate(...) call {call} returned accuracy {got_acc:.4f}, expected {want.acc:.4f}: the fraction of "
            "samples with logits.argmax(dim=1) == y over the whole loader, in eval mode"
        )


def _even_evaluation(rng, samples: int, batch_size: int):
    """(model, x, y, measured): equal batches, so per sample and per batch agree; no argmax near a tie."""

    def make():
        model = _model("mlp", rng)
        x, y = _data(rng, _rule(rng), samples)
        return model, x, y, _measure(copy.deepcopy(model), _batches(x, y, batch_size))

    return _draw(make, lambda drawn: drawn[3].gap > _ARGMAX_GAP)


def _assert_measured(got_loss: float, got_acc: float, want: _Measured, call: str, why: str) -> None:
    assert _near(got_loss, want.loss) and abs(got_acc - want.acc) <= 1e-6, (
        f"{call} returned (mean loss {got_loss:.6f}, accuracy {got_acc:.4f}), expected ({want.loss:.6f}, "
        f"{want.acc:.4f}). {why}"
    )


def test_evaluate_moves_batches(rng):
    """evaluate moves every batch to the device it is given
    evaluate 把每个批次移动到给定的设备上"""
    model, x, y, want = _even_evaluation(rng, 24, 8)
    seen = yield _loader_inputs("mlp", model, x, y, 8)
    call = f"evaluate(..., device=torch.device({_STAND_IN!r}))"
    expect.returned(seen["out"]["value"], name=call)
    _assert_moved(seen["unmoved"], call)
    _assert_measured(
        *_pair(seen["out"], call, floats=False),
        want,
        call,
        "Every batch was moved; now measure each one: the loss per sample and the fraction of "
        "correct answers over the whole loader",
    )


def test_evaluate_no_grad(rng):
    """evaluate runs the model without gradient tracking
    evaluate 在不跟踪梯度的情况下运行模型"""
    model, x, y, want = _even_evaluation(rng, 32, 16)
    seen = yield _loader_inputs("mlp", model, x, y, 16)
    expect.returned(seen["out"]["value"], name="evaluate(...)")
    grad_modes = seen["grad_modes"]
    assert grad_modes, "evaluate never called the model"
    assert not any(grad_modes), (
        f"{sum(grad_modes)} of {len(grad_modes)} forward passes in evaluate built an autograd graph: wrap the loop "
        "in `with torch.no_grad():` (evaluation needs no gradients; the graph only costs time and memory)"
    )
    assert seen["no_grads"], "evaluate should not compute gradients (no backward())"
    _assert_measured(
        *_pair(seen["out"], "evaluate(...)", floats=False),
        want,
        "evaluate(...)",
        "The loss per sample and the fraction of correct answers over the whole loader, in eval mode",
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
        raise AssertionError(f"snapshot(model) should return a dict like model.state_dict(), got {seen['type']}")
    assert set(seen["keys"]) == set(expected), (
        f"snapshot(model) should have the keys of model.state_dict() {sorted(expected)}, got {seen['keys']}"
    )
    for key, want in expected.items():
        expect.matches(
            seen["values"][key],
            want,
            name=f"snapshot(model)[{key!r}] after two more training steps",
            why=(
                "model.state_dict() hands out the live tensors, so training changes them too: copy them "
                "(copy.deepcopy(model.state_dict()) or {k: v.clone() for k, v in ...})"
            ),
        )
    expect.returned(seen["load"], name="model.load_state_dict(snapshot(model))")
    for key, want in expected.items():
        expect.close(seen["after_load"][key], want, name=f"model.state_dict()[{key!r}] after load_state_dict(snapshot)")


# --- fit ------------------------------------------------------------------------------------------


def test_fit_keeps_best(rng):
    """fit records a float history per epoch and ends with the best epoch's weights
    fit 逐轮记录 float 类型的历史，并在结束时恢复最佳一轮的权重"""
    epochs = 4

    def make():
        model, rule = _model("mlp", rng), _rule(rng)
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
        "arch": "mlp",
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
            assert _near(got, value), (
                f"epoch {epoch}: {key} should be {value:.6f}, got {got:.6f}. Each epoch: train_one_epoch on "
                "the training loader, then evaluate on the validation loader"
            )
    for key, want in states[best].items():
        expect.close(
            seen["params"][key],
            want,
            name=f"the model's {key} after fit",
            rtol=1e-4,
            atol=1e-6,
            why=(
                f"the lowest val_loss was after epoch {best + 1} of {epochs}, so fit should end with that epoch's "
                "weights. If you got the last epoch's instead: keep a real copy (snapshot), not model.state_dict() "
                "itself, and load it back with model.load_state_dict() at the end"
            ),
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
        assert "val_loss" in entries and "val_acc" in entries, (
            f"history[{epoch - 1}] should be a dict with val_loss and val_acc, got {seen['history']['value'][epoch - 1]!r:.200}"
        )
        got = _as_number(entries["val_loss"], f"history[{epoch - 1}]['val_loss']")
        assert abs(got - want_loss[epoch - 1]) <= 1e-5, (
            f"epoch {epoch}: val_loss should be {want_loss[epoch - 1]:.5f}, got {got:.5f}: evaluate the "
            "model on val_loader after each epoch's training"
        )
    kept = int(seen["tag"])
    losses = ", ".join(f"{v:.3f}" for v in want_loss)
    accuracies = ", ".join(f"{v:.1f}" for v in want_acc)
    reasons = {
        1: "the highest val_acc: the best epoch is the one with the lowest val_loss",
        4: "a val_loss equal to epoch 2's; on a tie the first epoch wins (compare with <, not <=)",
        5: "the last epoch: load the best snapshot back at the end",
    }
    assert kept == 2, (
        f"fit ended with epoch {kept}'s weights; expected epoch 2. The val_loss per epoch was {losses} and the "
        f"val_acc {accuracies}; epoch {kept} has {reasons.get(kept, 'neither the lowest val_loss nor a tie')}"
    )
    expect.close(
        seen["logits"],
        rows[1].log(),
        name="the model's logits after fit",
        why="fit should end with epoch 2's weights, loaded back from the snapshot taken then",
    )


def test_fit_moves_batches(rng):
    """fit hands its device on to training and evaluation
    fit 把它的 device 传给训练和评估"""
    model = _model("mlp", rng)
    x, y = _data(rng, _rule(rng), 24)
    seen = yield _loader_inputs("mlp", model, x, y, 8, lr=_STEADY, epochs=2)
    call = f"fit(..., epochs=2, device={_STAND_IN!r})"
    expect.returned(seen["history"]["value"], name=call)
    _assert_moved(seen["unmoved"], f"{call} (pass device on to train_one_epoch and evaluate)")
    got = _entry(_epochs(seen["history"], 2, call)[0], 0, "train_loss", float_only=False)
    want = _steady_loss(model, x, y, 8)
    assert _near(got, want), (
        f"{call} moved every batch, but history[0]['train_loss'] is {got:.6f}; the first epoch's mean batch loss "
        f"is {want:.6f}: each epoch, train_one_epoch(model, train_loader, loss_fn, optimizer, device)"
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
    assert best_acc >= 0.85, (
        f"after 3 epochs on MNIST the best val_acc in the history (on the 1,000 test images) should be at least "
        f"0.85, got {best_acc:.3f}: "
        "is the model trained in train mode, evaluated in eval mode, and are gradients zeroed each step?"
    )
    best_loss = min(_entry(entries, epoch, "val_loss", float_only=False) for epoch, entries in enumerate(history))
    trained = _blank("mnist")
    trained.load_state_dict(seen["params"])
    measured = _measure(trained, [_mnist(kata_data, "t10k")])
    assert _near(measured.loss, best_loss, 1e-4), (
        f"after fit the model's validation loss (in eval mode) is {measured.loss:.5f}, but the best epoch's val_loss "
        f"in the history is {best_loss:.5f}. Either fit did not load the best epoch's weights (a copy made then) "
        "back into the model at the end, or evaluate measured with dropout on (no model.eval())"
    )
    assert measured.acc >= 0.85, (
        f"after fit the model classifies {measured.acc:.3f} of the 1,000 test images correctly (measured by the "
        "check), below 0.85: fit should end with the weights of its best epoch"
    )
    # No gradient reaches the first layer's weights for pixels blank in every training image, so
    # training from the initial weights this check sent leaves them exactly as they were.
    blank = _mnist(kata_data, "train")[0].amax(dim=0) == 0
    expect.close(
        seen["params"]["0.weight"][:, blank],
        model.state_dict()["0.weight"][:, blank],
        name="0.weight on the pixels that are blank in every training image",
        why="no gradient reaches them, so training leaves them at their initial values: train the model "
        "fit is given, from the weights it has",
    )
