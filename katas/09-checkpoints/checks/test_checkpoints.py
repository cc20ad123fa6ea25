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
from grader.bilingual import Text, both, sentence
from grader.observations import Opaque, Raised

_SAFE_DEFAULT = TorchVersion(torch.__version__) >= "2.6"  # torch.load defaults to weights_only=True
_SAME = both(
    "a state_dict is saved and loaded as it is: same dtype, same values",
    "state_dict 应原样保存和加载：dtype 相同，数值也相同",
)


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


def _same_state(got, want, what: Text):
    """Every key of `want` is in `got` with equal values and dtypes (parameters and buffers).

    `what` in Chinese ends in Latin text (state_dict, code), which the messages follow with a space."""
    assert isinstance(got, dict), both(
        "{what} should be a dict (a state_dict), got {kind}", "{what} 应是 dict（即 state_dict），实际是 {kind}"
    ).format(what=what, kind=_kind(got))
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    assert not missing and not extra, both(
        "{what}: expected the keys {want}, got {got} (missing {missing}, unexpected {extra}); "
        "buffers such as BatchNorm's running_mean are part of model.state_dict(), not of parameters()",
        "{what}：键应为 {want}，实际是 {got}（缺少 {missing}，多出 {extra}）；"
        "BatchNorm 的 running_mean 这类 buffer（缓冲区）属于 model.state_dict()，而不属于 parameters()",
    ).format(what=what, want=list(want), got=list(got), missing=missing, extra=extra)
    for key, value in want.items():
        expect.matches(
            got[key], value, name=both("{what}[{key}]", "{what}[{key}]").format(what=what, key=repr(key)), why=_SAME
        )


def _is_epoch(got, epoch):
    """`got` is the number `epoch` (a Python int or a one-element tensor both count)."""
    if isinstance(got, torch.Tensor):
        return got.numel() == 1 and got.item() == epoch
    return isinstance(got, (int, float)) and not isinstance(got, bool) and got == epoch


def _returns_epoch(got, epoch) -> None:
    assert _is_epoch(got, epoch), both(
        f"load_checkpoint should return the saved epoch {epoch}, got {got!r}",
        f"load_checkpoint 应返回保存时的 epoch {epoch}，实际是 {got!r}",
    )


def _file_holds(seen, call: str, wrote_what: Text):
    """The object torch.load(path, weights_only=True) read back from the file `call` wrote."""
    expect.returned(seen["out"], name=call)
    assert seen["wrote"], both(
        f"{call} should create the file; no file was written", f"{call} 应创建文件，但没有写出任何文件"
    )
    loaded = seen["loaded"]
    # Only picks the explanation: torch's safe unpickler reads pickle protocol 2 (torch.save's default) only.
    if isinstance(loaded, Raised) and loaded.type == "UnpicklingError" and "Unsupported operand" in loaded.message:
        raise AssertionError(
            both(
                "torch.load(path, weights_only=True) cannot read the file {call} wrote: it was written with "
                "another pickle protocol (torch.save(..., pickle_protocol=4)?), which the safe loader does not "
                "support. Leave pickle_protocol at torch.save's default",
                "`torch.load(path, weights_only=True)` 读不了 `{call}` 写出的文件：它用了另一种 pickle 协议"
                "（`torch.save(..., pickle_protocol=4)`？），安全加载器不支持。请让 `pickle_protocol` 保持 "
                "`torch.save` 的默认值",
            ).format(call=call)
        )
    if isinstance(loaded, Raised) and loaded.type == "UnpicklingError":
        raise AssertionError(
            both(
                "torch.load(path, weights_only=True) refused {wrote_what}",
                "torch.load(path, weights_only=True) 拒绝加载{wrote_what}",
            ).format(wrote_what=wrote_what)
        )
    return expect.returned(
        loaded,
        name=both(
            f"torch.load(path, weights_only=True) on the file {call} wrote",
            f"对 {call} 写出的文件执行 torch.load(path, weights_only=True)",
        ),
    )


def test_save_weights_writes_state_dict(rng):
    """save_weights writes the state_dict (parameters and buffers) as plain tensors
    save_weights 以普通张量保存 state_dict（参数与 buffer（缓冲区））"""
    # float64 as well: a save that casts is caught; the int64 batch counter of BatchNorm rides along
    cases = [{"dtype": dtype, "state": _state(rng, dtype)} for dtype in (torch.float32, torch.float64)]
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        expect.returned(got["out"], name="save_weights(model, path)")
        assert not got["moved"], both(
            "save_weights(model, path) moved the model to another device (model.cpu() or model.to(...)): "
            "a module's .cpu() / .to() moves the module itself, so a model trained on a GPU would be on the CPU "
            "after saving. Save model.state_dict() as it is (map_location picks the device when loading), "
            "or CPU copies of its tensors: {k: v.cpu() for k, v in model.state_dict().items()}",
            "save_weights(model, path) 把模型移到了另一个设备上（model.cpu() 或 model.to(...)）："
            "模块的 .cpu() / .to() 会移动模块本身，于是在 GPU 上训练的模型保存之后就到了 CPU 上。"
            "请直接保存 model.state_dict()（加载时用 map_location 选择设备），"
            "或者保存其张量的 CPU 副本：{k: v.cpu() for k, v in model.state_dict().items()}",
        )
        state = _file_holds(
            got,
            "save_weights(model, path)",
            both(
                "the file save_weights wrote: it holds pickled objects, not just tensors. Did you "
                "torch.save(model, ...)? Save model.state_dict() instead",
                "由 save_weights 写出的文件：其中含有 pickle 序列化的对象，而不只是张量。你是不是用了 "
                "torch.save(model, ...)？请改为保存 model.state_dict()",
            ),
        )
        assert isinstance(state, dict), both(
            f"the saved file should hold a dict (the state_dict), got {_kind(state)}; "
            "save model.state_dict(), not the model",
            f"保存的文件里应是一个 dict（即 state_dict），实际是 {_kind(state)}；请保存 model.state_dict()，而不是模型本身",
        )
        saved = both(f"the saved state_dict of a {case['dtype']} model", f"{case['dtype']} 模型保存下来的 state_dict")
        _same_state(state, case["state"], saved)


def test_load_weights_round_trip(rng):
    """load_weights restores every parameter and buffer of a fresh model
    load_weights 把每个参数和 buffer 恢复到一个新模型中"""
    trained = _state(rng)
    sent = {"trained": trained, "fresh": _state(rng, trained=False), "x": torch.randn(5, 4, generator=rng)}
    seen = yield sent
    expect.returned(seen["result"], name="load_weights(model, path)")
    assert seen["is_model"], both(
        f"load_weights(model, path) should return the model it loaded into, got {seen['result_type']}; "
        "note model.load_state_dict(...) returns a report of keys, not the model",
        f"load_weights(model, path) 应返回加载了权重的那个模型，实际返回了 {seen['result_type']}；"
        "注意 model.load_state_dict(...) 返回的是一份关于键的报告，而不是模型",
    )
    _same_state(
        seen["state"], trained, both("the model's state_dict after load_weights", "load_weights 之后模型的 state_dict")
    )
    with torch.no_grad():
        want = _net(trained).eval()(sent["x"])
    expect.matches(
        seen["out"],
        want,
        name=both("the reloaded model's output in eval mode", "重新加载后的模型在评估模式下的输出"),
        why=both(
            "eval mode uses BatchNorm's running statistics, so they must be restored too",
            "评估模式下 BatchNorm 用的是它的滑动统计量，所以它们也必须恢复",
        ),
    )


def _refused_hidden_code(trap, what: str):
    """Fail if the function hidden in the file ran, with this torch's default or as on torch 2.4 / 2.5."""
    if trap["default"]["ran"]:
        default = (
            both(
                " even though this torch defaults to weights_only=True: is weights_only=False (or a pickle_module) "
                "passed?",
                "，尽管当前版本的 torch 默认 weights_only=True：是不是传入了 weights_only=False（或 pickle_module）？",
            )
            if _SAFE_DEFAULT
            else both(".", "。")
        )
        raise AssertionError(
            both(
                "{what} unpickled a file that runs a function while it loads{default} A checkpoint from the "
                "internet could run any code this way. Load with torch.load(path, weights_only=True)",
                "{what} 反序列化（unpickle）了一个在加载时会执行函数的文件{default}从网上下载的检查点可以借此运行任意代码。"
                "请用 torch.load(path, weights_only=True) 加载",
            ).format(what=what, default=default)
        )
    if trap["before-2.6"]["ran"]:
        raise AssertionError(
            both(
                f"{what} relies on torch.load's default: safe from torch 2.6, but torch 2.4 and 2.5 (which this "
                "course supports) default to weights_only=False and run the function hidden in the file. Pass "
                "weights_only=True yourself",
                f"{what} 依赖 torch.load 的默认值：从 torch 2.6 起这是安全的，但 torch 2.4 和 2.5（本课程同样支持）"
                "默认 weights_only=False，会执行文件中夹带的函数。请自己显式传入 weights_only=True",
            )
        )


_HONEST = both(
    "refusing the hidden code only counts when an honest file still loads",
    "只有在正常的文件仍能加载时，拒绝夹带的代码才算数",
)


def test_load_weights_is_safe(rng):
    """load_weights refuses to run code hidden in a checkpoint (weights_only=True)
    load_weights 拒绝执行检查点中夹带的代码（weights_only=True）"""
    trained = _state(rng)
    seen = yield {"trained": trained, "fresh": _state(rng, trained=False)}
    _refused_hidden_code(seen["trap"], "load_weights")
    expect.returned(
        seen["honest"],
        name=both(
            "load_weights(model, path) on an honest weights file", "对正常的权重文件执行 load_weights(model, path)"
        ),
        why=_HONEST,
    )
    after = both(
        "the model's state_dict after load_weights on an honest file",
        "对正常的文件执行 load_weights 之后模型的 state_dict",
    )
    _same_state(seen["state"], trained, after)


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
    extra = {**matching, "4.weight": torch.randn(2, 3, generator=rng)}  # a layer this model does not have
    seen = yield {"other": other, "extra": extra, "matching": matching, "fresh": _state(rng, trained=False)}
    for name, keys in (("other", both("missing", "缺少")), ("extra", both("unexpected", "多出"))):
        assert isinstance(seen[name]["out"], Raised), both(
            "load_weights loaded a file from another architecture ({keys} keys) without an error (expected an "
            "error about missing/unexpected keys); strict=False hides such bugs: keep the default strict=True",
            "load_weights 加载了一个来自其他模型结构的文件（{keys}键），却没有报错（应当报出缺少或多出键的错误）；"
            "strict=False 会掩盖这类错误：请保留默认的 strict=True",
        ).format(keys=keys)
    expect.returned(
        seen["matching"]["out"],
        name=both(
            "load_weights(model, path) on a file that matches the model",
            "对与模型匹配的文件执行 load_weights(model, path)",
        ),
        why=both("strict loading raises on mismatched keys only", "严格加载只在键不匹配时才报错"),
    )
    after = both(
        "the model's state_dict after load_weights on a matching file",
        "对匹配的文件执行 load_weights 之后模型的 state_dict",
    )
    _same_state(seen["matching"]["state"], matching, after)


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
        both(
            "the checkpoint: it holds pickled objects. Store model.state_dict() and "
            "optimizer.state_dict(), not the model or optimizer themselves",
            "该检查点：其中含有 pickle 序列化的对象。请保存 model.state_dict() 和 optimizer.state_dict()，"
            "而不是模型或优化器本身",
        ),
    )
    assert isinstance(checkpoint, dict), both(
        f"the checkpoint should be a dict, got {_kind(checkpoint)}", f"检查点应是 dict，实际是 {_kind(checkpoint)}"
    )
    keys = sorted(map(str, checkpoint))
    assert {"model", "optimizer", "epoch"} <= set(checkpoint), both(
        f'the checkpoint should have the keys "model", "optimizer" and "epoch", got {keys}; '
        "forgetting the optimizer state makes a resumed run drift",
        f'检查点应包含键 "model"、"optimizer" 和 "epoch"，实际是 {keys}；漏掉优化器状态，恢复后的训练就会偏离原来的轨迹',
    )
    epoch = checkpoint["epoch"]
    assert _is_epoch(epoch, sent["epoch"]), both(
        f'checkpoint["epoch"] should be {sent["epoch"]} (the epoch passed in), got {epoch!r}',
        f'checkpoint["epoch"] 应为 {sent["epoch"]}（传入的 epoch），实际是 {epoch!r}',
    )
    _same_state(checkpoint["model"], model, 'checkpoint["model"]')
    saved = checkpoint["optimizer"]
    saved_keys = list(saved)[:5] if isinstance(saved, dict) else "-"
    assert isinstance(saved, dict) and saved.get("state"), both(
        'checkpoint["optimizer"] should be optimizer.state_dict(), with Adam\'s per-parameter state '
        f"(step, exp_avg, exp_avg_sq); got {_kind(saved)} with keys {saved_keys}",
        'checkpoint["optimizer"] 应是 optimizer.state_dict()，其中含有 Adam 为每个参数保存的状态'
        f"（step、exp_avg、exp_avg_sq）；实际是 {_kind(saved)}，键为 {saved_keys}",
    )
    why = both(
        "store optimizer.state_dict() as it is: Adam's moments and step counts are what a resumed run needs",
        "请原样保存 optimizer.state_dict()：恢复训练需要的正是 Adam 的矩估计和步数",
    )
    for index, moments in sent["optimizer"].items():
        assert index in saved["state"], sentence(
            both(
                f'checkpoint["optimizer"]["state"] has no entry for parameter {index}, got {list(saved["state"])}',
                f'checkpoint["optimizer"]["state"] 中没有参数 {index} 的条目，实际的条目是 {list(saved["state"])}',
            ),
            why,
        )
        for name, value in moments.items():
            expect.close(
                saved["state"][index][name], value, name=f'checkpoint["optimizer"]["state"][{index}][{name!r}]', why=why
            )
    groups = saved.get("param_groups")
    assert isinstance(groups, list) and groups and isinstance(groups[0], dict) and groups[0].get("lr") == sent["lr"], (
        sentence(
            both(
                f'checkpoint["optimizer"]["param_groups"] should hold the learning rate {sent["lr"]}',
                f'checkpoint["optimizer"]["param_groups"] 中应保存学习率 {sent["lr"]}',
            ),
            why,
        )
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
    _returns_epoch(epoch, sent["epoch"])
    assert seen["parameters_kept"], both(
        "after load_checkpoint(path, model, optimizer) the model's parameters are no longer the tensors the "
        "optimizer updates (load_state_dict(..., assign=True) puts new ones in their place), so the resumed "
        "training steps never reach the model. Load into the existing parameters: "
        "model.load_state_dict(checkpoint['model'])",
        "调用 `load_checkpoint(path, model, optimizer)` 之后，模型的参数已不再是优化器所更新的那些张量"
        "（`load_state_dict(..., assign=True)` 会用新张量替换它们），于是恢复后的训练步骤改不到模型。"
        "请把数值加载进现有的参数：`model.load_state_dict(checkpoint['model'])`",
    )
    straight = _adam_run(start, batches, sent["lr"])  # six steps in one go
    assert isinstance(seen["state"], dict) and list(seen["state"]) == list(straight), both(
        "the model's state_dict is malformed", "模型的 state_dict 格式有误"
    )
    resumed = both(
        "differs from six uninterrupted steps: was the optimizer state (Adam's moments and "
        "step count) saved and loaded too?",
        "与不中断地连续训练六步的结果不同：优化器状态（Adam 的矩估计和步数）是否也一起保存并加载了？",
    )
    for name, want in straight.items():
        expect.close(
            seen["state"][name],
            want,
            name=both(f"after resume + 3 steps, {name}", f"恢复后再训练 3 步，{name}"),
            why=resumed,
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
    honest = both(
        "load_checkpoint(path, model, optimizer) on an honest checkpoint",
        "对正常的检查点执行 load_checkpoint(path, model, optimizer)",
    )
    epoch = expect.returned(seen["honest"], name=honest, why=_HONEST)
    _returns_epoch(epoch, sent["epoch"])
    after = both(
        "the model's state_dict after load_checkpoint on an honest checkpoint",
        "对正常的检查点执行 load_checkpoint 之后模型的 state_dict",
    )
    _same_state(seen["state"], trained, after)


def test_load_checkpoint_strict(rng):
    """load_checkpoint raises on a checkpoint whose model keys do not match the model
    load_checkpoint 在检查点中模型的键与模型不匹配时报错"""
    trained = _state(rng)
    sent = {
        "trained": trained,
        "fresh": _state(rng, trained=False),
        "epoch": int(torch.randint(2, 100, (), generator=rng)),
    }
    seen = yield sent
    assert isinstance(seen["prefixed"], Raised), both(
        'load_checkpoint loaded a checkpoint whose model keys all start with "module." (saved from '
        "nn.DataParallel) without an error, so the model kept its own weights and nothing was resumed; "
        "strict=False hides such bugs: keep the default strict=True",
        'load_checkpoint 加载了一个模型键全部以 "module." 开头的检查点（由 nn.DataParallel 保存），却没有报错，'
        "于是模型保留了自己原来的权重，什么也没有恢复；strict=False 会掩盖这类错误：请保留默认的 strict=True",
    )
    matching = both(
        "load_checkpoint(path, model, optimizer) on a checkpoint that matches the model",
        "对与模型匹配的检查点执行 load_checkpoint(path, model, optimizer)",
    )
    epoch = expect.returned(
        seen["matching"],
        name=matching,
        why=both("strict loading raises on mismatched keys only", "严格加载只在键不匹配时才报错"),
    )
    _returns_epoch(epoch, sent["epoch"])
    after = both(
        "the model's state_dict after load_checkpoint on a matching checkpoint",
        "对匹配的检查点执行 load_checkpoint 之后模型的 state_dict",
    )
    _same_state(seen["state"], trained, after)


def _gpu_state(rng):
    return {
        "weight": torch.randn(3, 2, generator=rng),
        "bias": torch.randn(3, generator=rng),
        "table": torch.randn(2, 5, generator=rng, dtype=torch.float64),
        "steps": torch.randint(0, 1000, (), generator=rng),
    }


def _same_tensors_on(loaded, state, target, call: Text, why: Text):
    """`loaded` is `state` with every tensor on `target` ("meta" keeps shapes and dtypes, not values)."""
    assert isinstance(loaded, dict) and list(loaded) == list(state), both(
        "{call} should return the saved state_dict with keys {keys}, got {got}",
        "{call} 应返回保存的 state_dict，其中的键为 {keys}，实际是 {got}",
    ).format(call=call, keys=list(state), got=list(loaded) if isinstance(loaded, dict) else _kind(loaded))
    device = torch.device(target)
    fixed = both(", not a device fixed in the code", "，而不是代码里写死的设备") if device.type != "cpu" else ""
    for key, value in state.items():
        name = both("{call}[{key}]", "{call}[{key}]").format(call=call, key=repr(key))
        expect.shape(loaded[key], value.shape, name=name)
        expect.dtype(
            loaded[key], value.dtype, name=name, why=both("loading must not change the dtype", "加载不能改变 dtype")
        )
        expect.device(loaded[key], device, name=name, why=why + fixed)
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
            error = f"{loaded.type}: {loaded.message.split('. ')[0]}"
            raise AssertionError(
                both(
                    f"{call} failed on a file saved on a GPU: {error}. "
                    "Pass map_location=device to torch.load so the tensors are created there",
                    f"{call} 无法加载在 GPU 上保存的文件：{error}。"
                    "请给 torch.load 传入 map_location=device，让张量直接创建在该设备上",
                )
            )
        _same_tensors_on(
            loaded,
            state,
            target,
            call,
            both(
                f"map_location=device puts every tensor on that device while loading (here {str(target)!r})",
                f"map_location=device 会在加载时把每个张量都放到该设备上（这里是 {str(target)!r}）",
            ),
        )


def test_load_to_device_is_safe(rng):
    """load_to_device refuses to run code hidden in a file (weights_only=True)
    load_to_device 拒绝执行文件中夹带的代码（weights_only=True）"""
    state = _gpu_state(rng)
    seen = yield {"state": state}
    _refused_hidden_code(seen["trap"], "load_to_device")
    call = both("load_to_device(path, 'cpu') on an honest file", "对正常的文件调用的 load_to_device(path, 'cpu')")
    _same_tensors_on(expect.returned(seen["honest"], name=call, why=_HONEST), state, "cpu", call, why=_HONEST)


def _stripped(got, state, prefix, want_keys, why: Text):
    """strip_prefix(state, prefix) gave the keys `want_keys` (in order), the same tensors, `state` unchanged."""
    call = f"strip_prefix(state, {prefix!r})" if prefix is not None else "strip_prefix(state)"
    out = expect.returned(got["out"], name=call)
    assert got["given_unchanged"], both(
        f"{call} changed the dict it was given (its keys are now {got['given_keys']}): build and return a new dict",
        f"{call} 修改了传给它的 dict（它的键现在是 {got['given_keys']}）：请新建一个 dict 并返回",
    )
    assert isinstance(out, dict), both(
        f"{call} should return a dict, got {_kind(out)}", f"{call} 应返回 dict，实际是 {_kind(out)}"
    )
    assert list(out) == want_keys, both(
        "{call} should give the keys {want} in this order, got {got}; {why}",
        "{call} 应按这个顺序给出键 {want}，实际是 {got}；{why}",
    ).format(call=call, want=want_keys, got=list(out), why=why)
    unchanged = both("only the keys change; the tensors stay as they were", "只有键会改变，张量保持原样")
    for key, value in zip(want_keys, state.values(), strict=True):
        expect.matches(out[key], value, name=f"{call}[{key!r}]", why=unchanged)


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
    _stripped(seen[0], wrapped, None, list(plain), both('the default prefix is "module."', '默认的前缀是 "module."'))
    _stripped(
        seen[1], compiled, "_orig_mod.", ["fc.weight", "fc.bias"], both("use the prefix argument", "请使用 prefix 参数")
    )


def test_strip_prefix_only_at_start(rng):
    """strip_prefix changes only keys that start with the prefix, and only at the start
    strip_prefix 只修改以前缀开头的键，且只去掉开头的前缀"""
    keys = [
        "module.encoder.module.weight",
        "module.submodule.x",
        "head.module.bias",
        "submodule.y",
        "module.model.mode",
        "module_list.0.weight",  # an nn.ModuleList named module_list: "module" and then not a "."
        "module.module.head.weight",  # DataParallel around DataParallel: one wrapper is removed per call
        "_orig_mod.fc.bias",  # another prefix than the one asked for stays
    ]
    state = {key: torch.randn(1, generator=rng) for key in keys}
    seen = yield {"state": state, "prefix": None}
    _stripped(
        seen,
        state,
        None,
        [
            "encoder.module.weight",
            "submodule.x",
            "head.module.bias",
            "submodule.y",
            "model.mode",
            "module_list.0.weight",
            "module.head.weight",
            "_orig_mod.fc.bias",
        ],
        both(
            'a prefix is removed only at the start of a key: str.replace("module.", "") also cuts "submodule." and '
            'inner ".module." parts, str.lstrip("module.") strips any of those letters, not the word, and in '
            're.sub("^" + prefix, ...) the "." matches any character ("module_list.0.weight" loses "module_"); '
            'it is removed once ("module.module.head.weight" keeps one), and only the prefix asked for',
            '前缀只能从键的开头去掉：str.replace("module.", "") 还会切掉 "submodule." 和键中间的 ".module."，'
            'str.lstrip("module.") 去掉的是这几个字母中的任意一个，而不是整个单词，'
            '而在 re.sub("^" + prefix, ...) 中 "." 能匹配任意字符（"module_list.0.weight" 会丢掉 "module_"）；'
            '前缀只去掉一次（"module.module.head.weight" 还留着一个），而且只去掉要求的那个前缀',
        ),
    )
