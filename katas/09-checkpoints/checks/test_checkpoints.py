"""Hidden checks for the checkpoints kata, judge half. Each docstring: English title, then Chinese title.

Each check makes the states to save and load from `rng`, exercise_checkpoints.py has the learner's
code write and read real files with them in the grading child, and the verdict compares what came
back with what was sent. The safety checks hand each loader a file that calls a function when
unpickled, once with this torch's own default and once as on torch 2.4 / 2.5 (whose torch.load
defaults to weights_only=False); the child reports whether that function left its trace, and
whether the same loader still loads an honest file, since refusing every file is not loading
safely. The "meta" device stands in for a GPU as load_to_device's target.
"""

import math

import pytest
import torch
from torch import nn
from torch.torch_version import TorchVersion

from grader import expect
from grader.observations import Opaque, Raised

_SAFE_DEFAULT = TorchVersion(torch.__version__) >= "2.6"  # torch.load defaults to weights_only=True
_SAME = "a state_dict is saved and loaded as it is: same dtype, same values"


def _net(state):
    """The checks' model (as in exercise_checkpoints.py), holding `state`."""
    net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    net.to(state["0.weight"].dtype)
    net.load_state_dict(state)
    return net


def _state(rng, dtype=torch.float32, trained=True):
    """A state_dict of _net: random parameters; BatchNorm buffers moved by training, or at their defaults."""

    def randn(*shape):
        return torch.randn(*shape, generator=rng, dtype=dtype)

    if trained:
        mean, var = randn(8), 0.5 + torch.rand(8, generator=rng, dtype=dtype)
        count = torch.randint(1, 1000, (), generator=rng)
    else:
        mean, var, count = torch.zeros(8, dtype=dtype), torch.ones(8, dtype=dtype), torch.tensor(0)
    return {
        "0.weight": randn(8, 4) * 0.5,
        "0.bias": randn(8) * 0.1,
        "1.weight": 1 + 0.1 * randn(8),
        "1.bias": 0.1 * randn(8),
        "1.running_mean": mean,
        "1.running_var": var,
        "1.num_batches_tracked": count,
        "3.weight": randn(3, 8) * 0.3,
        "3.bias": randn(3) * 0.1,
    }


def _kind(value):
    return value.type if isinstance(value, Opaque) else type(value).__name__


def _same_state(got, want, what):
    """Every key of `want` is in `got` with equal values and dtypes (parameters and buffers)."""
    assert isinstance(got, dict), f"{what} should be a dict (a state_dict), got {_kind(got)}"
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    assert not missing and not extra, (
        f"{what}: expected the keys {list(want)}, got {list(got)} (missing {missing}, unexpected {extra}); "
        "buffers such as BatchNorm's running_mean are part of model.state_dict(), not of parameters()"
    )
    for key, value in want.items():
        expect.matches(got[key], value, name=f"{what}[{key!r}]", why=_SAME)


def _is_epoch(got, epoch):
    """`got` is the number `epoch` (a Python int or a one-element tensor both count)."""
    if isinstance(got, torch.Tensor):
        return got.numel() == 1 and got.item() == epoch
    return isinstance(got, (int, float)) and not isinstance(got, bool) and got == epoch


def _file_holds(seen, call, wrote_what):
    """The object torch.load(path, weights_only=True) read back from the file `call` wrote."""
    expect.returned(seen["out"], name=call)
    assert seen["wrote"], f"{call} should create the file; no file was written"
    loaded = seen["loaded"]
    if isinstance(loaded, Raised) and loaded.type == "UnpicklingError":
        raise AssertionError(f"torch.load(path, weights_only=True) refused {wrote_what}")
    return expect.returned(loaded, name=f"torch.load(path, weights_only=True) on the file {call} wrote")


def test_save_weights_writes_state_dict(rng):
    """save_weights writes the state_dict (parameters and buffers) as plain tensors
    save_weights 以普通张量保存 state_dict（参数与缓冲区）"""
    # float64 as well: a save that casts is caught; the int64 batch counter of BatchNorm rides along
    cases = [{"dtype": dtype, "state": _state(rng, dtype)} for dtype in (torch.float32, torch.float64)]
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        state = _file_holds(
            got,
            "save_weights(model, path)",
            "the file save_weights wrote: it holds pickled objects, not just tensors. Did you "
            "torch.save(model, ...)? Save model.state_dict() instead",
        )
        assert isinstance(state, dict), (
            f"the saved file should hold a dict (the state_dict), got {_kind(state)}; "
            "save model.state_dict(), not the model"
        )
        _same_state(state, case["state"], f"the saved state_dict of a {case['dtype']} model")


def test_load_weights_round_trip(rng):
    """load_weights restores every parameter and buffer of a fresh model
    load_weights 把每个参数和缓冲区恢复到一个新模型中"""
    trained = _state(rng)
    sent = {"trained": trained, "fresh": _state(rng, trained=False), "x": torch.randn(5, 4, generator=rng)}
    seen = yield sent
    expect.returned(seen["result"], name="load_weights(model, path)")
    assert seen["is_model"], (
        f"load_weights(model, path) should return the model it loaded into, got {seen['result_type']}; "
        "note model.load_state_dict(...) returns a report of keys, not the model"
    )
    _same_state(seen["state"], trained, "the model's state_dict after load_weights")
    with torch.no_grad():
        want = _net(trained).eval()(sent["x"])
    expect.matches(
        seen["out"],
        want,
        name="the reloaded model's output in eval mode",
        why="eval mode uses BatchNorm's running statistics, so they must be restored too",
    )


def _refused_hidden_code(trap, what):
    """Fail if the function hidden in the file ran, with this torch's default or as on torch 2.4 / 2.5."""
    if trap["default"]["ran"]:
        raise AssertionError(
            f"{what} unpickled a file that runs a function while it loads"
            + (
                " even though this torch defaults to weights_only=True: is weights_only=False (or a pickle_module) "
                "passed?"
                if _SAFE_DEFAULT
                else ""
            )
            + " A checkpoint from the internet could run any code this way. Load with "
            "torch.load(path, weights_only=True)"
        )
    if trap["before-2.6"]["ran"]:
        raise AssertionError(
            f"{what} relies on torch.load's default: safe from torch 2.6, but torch 2.4 and 2.5 (which this "
            "course supports) default to weights_only=False and run the function hidden in the file. Pass "
            "weights_only=True yourself"
        )


_HONEST = "refusing the hidden code only counts when an honest file still loads"


def test_load_weights_is_safe(rng):
    """load_weights refuses to run code hidden in a checkpoint (weights_only=True)
    load_weights 拒绝执行检查点中夹带的代码（weights_only=True）"""
    trained = _state(rng)
    seen = yield {"trained": trained, "fresh": _state(rng, trained=False)}
    _refused_hidden_code(seen["trap"], "load_weights")
    expect.returned(seen["honest"], name="load_weights(model, path) on an honest weights file", why=_HONEST)
    _same_state(seen["state"], trained, "the model's state_dict after load_weights on an honest file")


def test_load_weights_strict(rng):
    """load_weights raises on a file whose keys do not match the model
    load_weights 在文件的键与模型不匹配时报错"""
    other = {
        "0.weight": torch.randn(8, 4, generator=rng),
        "0.bias": torch.randn(8, generator=rng),
        "2.weight": torch.randn(3, 8, generator=rng),
        "2.bias": torch.randn(3, generator=rng),
    }  # no BatchNorm
    matching = _state(rng)
    seen = yield {"other": other, "matching": matching, "fresh": _state(rng, trained=False)}
    assert isinstance(seen["other"]["out"], Raised), (
        "load_weights loaded a file from another architecture without an error (expected an error about "
        "missing/unexpected keys); strict=False hides such bugs: keep the default strict=True"
    )
    expect.returned(
        seen["matching"]["out"],
        name="load_weights(model, path) on a file that matches the model",
        why="strict loading raises on mismatched keys only",
    )
    _same_state(seen["matching"]["state"], matching, "the model's state_dict after load_weights on a matching file")


def _adam_state(rng, model_state):
    """What Adam keeps per parameter after a few steps: step count, first and second moments."""
    names = [key for key in model_state if "running" not in key and "num_batches" not in key]
    step = torch.tensor(float(torch.randint(1, 50, (), generator=rng)))
    return {
        index: {
            "step": step.clone(),
            "exp_avg": 0.1 * torch.randn(model_state[name].shape, generator=rng),
            "exp_avg_sq": 0.01 * torch.rand(model_state[name].shape, generator=rng),
        }
        for index, name in enumerate(names)
    }


def test_save_checkpoint_contents(rng):
    """save_checkpoint stores the model, the optimizer state and the epoch
    save_checkpoint 保存模型、优化器状态与 epoch"""
    model = _state(rng)
    sent = {
        "model": model,
        "optimizer": _adam_state(rng, model),
        "lr": 0.01,
        "epoch": int(torch.randint(2, 100, (), generator=rng)),
    }
    seen = yield sent
    checkpoint = _file_holds(
        seen,
        "save_checkpoint(path, model, optimizer, epoch)",
        "the checkpoint: it holds pickled objects. Store model.state_dict() and "
        "optimizer.state_dict(), not the model or optimizer themselves",
    )
    assert isinstance(checkpoint, dict), f"the checkpoint should be a dict, got {_kind(checkpoint)}"
    assert {"model", "optimizer", "epoch"} <= set(checkpoint), (
        f'the checkpoint should have the keys "model", "optimizer" and "epoch", got {sorted(map(str, checkpoint))}; '
        "forgetting the optimizer state makes a resumed run drift"
    )
    epoch = checkpoint["epoch"]
    assert _is_epoch(epoch, sent["epoch"]), (
        f'checkpoint["epoch"] should be {sent["epoch"]} (the epoch passed in), got {epoch!r}'
    )
    _same_state(checkpoint["model"], model, 'checkpoint["model"]')
    saved = checkpoint["optimizer"]
    assert isinstance(saved, dict) and saved.get("state"), (
        'checkpoint["optimizer"] should be optimizer.state_dict(), with Adam\'s per-parameter state '
        f"(step, exp_avg, exp_avg_sq); got {_kind(saved)} with keys {list(saved)[:5] if isinstance(saved, dict) else '-'}"
    )
    why = "store optimizer.state_dict() as it is: Adam's moments and step counts are what a resumed run needs"
    for index, moments in sent["optimizer"].items():
        assert index in saved["state"], (
            f'checkpoint["optimizer"]["state"] has no entry for parameter {index}, got {list(saved["state"])}. {why}'
        )
        for name, value in moments.items():
            expect.close(
                saved["state"][index][name], value, name=f'checkpoint["optimizer"]["state"][{index}][{name!r}]', why=why
            )
    groups = saved.get("param_groups")
    assert isinstance(groups, list) and groups and isinstance(groups[0], dict) and groups[0].get("lr") == sent["lr"], (
        f'checkpoint["optimizer"]["param_groups"] should hold the learning rate {sent["lr"]}. {why}'
    )


def _adam_run(state, batches, lr):
    """Train _net(state) with Adam (torch's defaults: betas 0.9, 0.999, eps 1e-8), computed as torch.optim.Adam does.

    Written out because building the first torch.optim optimizer in this process costs seconds."""
    net = _net(state)
    params = list(net.parameters())
    moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    for t, (x, y) in enumerate(batches, start=1):
        net.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        with torch.no_grad():
            for p, (m, v) in zip(params, moments, strict=True):
                m.lerp_(p.grad, 0.1)
                v.mul_(0.999).addcmul_(p.grad, p.grad, value=0.001)
                denom = (v.sqrt() / math.sqrt(1 - 0.999**t)).add_(1e-8)
                p.addcdiv_(m, denom, value=-lr / (1 - 0.9**t))
    return {key: value.detach() for key, value in net.state_dict().items()}


@pytest.mark.points(2)
def test_resume_matches_uninterrupted(rng):
    """Resuming from a checkpoint continues exactly like an uninterrupted run
    从检查点恢复后的训练与不中断的训练完全一致"""
    # float64: the bias before BatchNorm has a true gradient of zero, and in float32 its rounding
    # noise is large enough next to Adam's eps to move it differently on another device
    batches = [
        (torch.randn(16, 4, generator=rng, dtype=torch.float64), torch.randint(0, 3, (16,), generator=rng))
        for _ in range(6)
    ]
    start = _state(rng, torch.float64, trained=False)
    sent = {
        "batches": batches,
        "start": start,
        "other": _state(rng, torch.float64),
        "lr": 0.05,
        "epoch": int(torch.randint(2, 100, (), generator=rng)),
    }
    seen = yield sent
    expect.returned(seen["saved"], name="save_checkpoint(path, model, optimizer, epoch)")
    epoch = expect.returned(seen["epoch"], name="load_checkpoint(path, model, optimizer)")
    assert _is_epoch(epoch, sent["epoch"]), (
        f"load_checkpoint should return the saved epoch {sent['epoch']}, got {epoch!r}"
    )
    straight = _adam_run(start, batches, sent["lr"])  # six steps in one go
    assert isinstance(seen["state"], dict) and list(seen["state"]) == list(straight), (
        "the model's state_dict is malformed"
    )
    for name, want in straight.items():
        expect.close(
            seen["state"][name],
            want,
            name=f"after resume + 3 steps, {name}",
            why="differs from six uninterrupted steps: was the optimizer state (Adam's moments and "
            "step count) saved and loaded too?",
            rtol=1e-6,
            atol=1e-9,
        )


def test_load_checkpoint_is_safe(rng):
    """load_checkpoint refuses to run code hidden in a checkpoint (weights_only=True)
    load_checkpoint 拒绝执行检查点中夹带的代码（weights_only=True）"""
    trained = _state(rng)
    sent = {
        "trained": trained,
        "fresh": _state(rng, trained=False),
        "epoch": int(torch.randint(2, 100, (), generator=rng)),
    }
    seen = yield sent
    _refused_hidden_code(seen["trap"], "load_checkpoint")
    epoch = expect.returned(
        seen["honest"], name="load_checkpoint(path, model, optimizer) on an honest checkpoint", why=_HONEST
    )
    assert _is_epoch(epoch, sent["epoch"]), (
        f"load_checkpoint should return the saved epoch {sent['epoch']}, got {epoch!r}"
    )
    _same_state(seen["state"], trained, "the model's state_dict after load_checkpoint on an honest checkpoint")


def _gpu_state(rng):
    return {
        "weight": torch.randn(3, 2, generator=rng),
        "bias": torch.randn(3, generator=rng),
        "table": torch.randn(2, 5, generator=rng, dtype=torch.float64),
        "steps": torch.randint(0, 1000, (), generator=rng),
    }


def _same_tensors_on(loaded, state, target, call, why):
    """`loaded` is `state` with every tensor on `target` ("meta" keeps shapes and dtypes, not values)."""
    assert isinstance(loaded, dict) and list(loaded) == list(state), (
        f"{call} should return the saved state_dict with keys {list(state)}, got "
        f"{list(loaded) if isinstance(loaded, dict) else _kind(loaded)}"
    )
    device = torch.device(target)
    for key, value in state.items():
        name = f"{call}[{key!r}]"
        expect.shape(loaded[key], value.shape, name=name)
        expect.dtype(loaded[key], value.dtype, name=name, why="loading must not change the dtype")
        expect.device(
            loaded[key],
            device,
            name=name,
            why=why + (", not a device fixed in the code" if device.type != "cpu" else ""),
        )
        if device.type != "meta":
            expect.close(loaded[key], value, name=name, why=why)


@pytest.mark.points(2)
def test_load_to_device(rng, device):
    """load_to_device loads a GPU-saved file onto the device it is asked for (map_location)
    load_to_device 把在 GPU 上保存的文件加载到指定的设备上（map_location）"""
    state = _gpu_state(rng)
    # "meta" stands in for a GPU on any machine: it keeps shapes and dtypes, not values
    targets = [torch.device("cpu"), "cpu", device, "meta", torch.device("meta")]
    seen = yield {"state": state, "targets": targets}
    for target, loaded in zip(targets, seen, strict=True):
        call = f"load_to_device(path, {str(target)!r})"
        if isinstance(loaded, Raised):
            raise AssertionError(
                f"{call} failed on a file saved on a GPU: {loaded.type}: {loaded.message.split('. ')[0]}. "
                "Pass map_location=device to torch.load so the tensors are created there"
            )
        _same_tensors_on(
            loaded,
            state,
            target,
            call,
            f"map_location=device puts every tensor on that device while loading (here {str(target)!r})",
        )


def test_load_to_device_is_safe(rng):
    """load_to_device refuses to run code hidden in a file (weights_only=True)
    load_to_device 拒绝执行文件中夹带的代码（weights_only=True）"""
    state = _gpu_state(rng)
    seen = yield {"state": state}
    _refused_hidden_code(seen["trap"], "load_to_device")
    call = "load_to_device(path, 'cpu') on an honest file"
    _same_tensors_on(expect.returned(seen["honest"], name=call, why=_HONEST), state, "cpu", call, why=_HONEST)


def _stripped(got, state, prefix, want_keys, why):
    """strip_prefix(state, prefix) gave the keys `want_keys` (in order), the same tensors, `state` unchanged."""
    call = f"strip_prefix(state, {prefix!r})" if prefix is not None else "strip_prefix(state)"
    out = expect.returned(got["out"], name=call)
    assert got["given_unchanged"], (
        f"{call} changed the dict it was given (its keys are now {got['given_keys']}): build and return a new dict"
    )
    assert isinstance(out, dict), f"{call} should return a dict, got {_kind(out)}"
    assert list(out) == want_keys, f"{call} should give the keys {want_keys} in this order, got {list(out)}; {why}"
    for key, value in zip(want_keys, state.values(), strict=True):
        expect.matches(
            out[key], value, name=f"{call}[{key!r}]", why="only the keys change; the tensors stay as they were"
        )


def test_strip_prefix(rng):
    """strip_prefix removes DataParallel's "module." and torch.compile's "_orig_mod." prefixes
    strip_prefix 去掉 DataParallel 的 "module." 和 torch.compile 的 "_orig_mod." 前缀"""
    plain = _state(rng)
    wrapped = {f"module.{key}": value for key, value in plain.items()}  # as DataParallel's state_dict() names them
    compiled = {
        "_orig_mod.fc.weight": torch.randn(2, generator=rng),
        "_orig_mod.fc.bias": torch.randn(2, generator=rng),
    }
    cases = [{"state": wrapped, "prefix": None}, {"state": compiled, "prefix": "_orig_mod."}]
    seen = yield cases
    _stripped(seen[0], wrapped, None, list(plain), 'the default prefix is "module."')
    _stripped(seen[1], compiled, "_orig_mod.", ["fc.weight", "fc.bias"], "use the prefix argument")


def test_strip_prefix_only_at_start(rng):
    """strip_prefix changes only keys that start with the prefix, and only at the start
    strip_prefix 只修改以前缀开头的键，且只去掉开头的前缀"""
    keys = [
        "module.encoder.module.weight",
        "module.submodule.x",
        "head.module.bias",
        "submodule.y",
        "module.model.mode",
    ]
    state = {key: torch.randn(1, generator=rng) for key in keys}
    seen = yield {"state": state, "prefix": None}
    _stripped(
        seen,
        state,
        None,
        ["encoder.module.weight", "submodule.x", "head.module.bias", "submodule.y", "model.mode"],
        'a prefix is removed only at the start of a key: str.replace("module.", "") also cuts "submodule." and '
        'inner ".module." parts, and str.lstrip("module.") strips any of those letters, not the word',
    )
