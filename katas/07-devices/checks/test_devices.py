"""Hidden checks for the devices kata, judge halves. Each docstring: English title, then Chinese title.

Each check makes the inputs (tensors from `rng`, the situations to simulate, the models to build),
yields them to its exercise in exercise_devices.py, and judges what comes back. The pick_device
checks name machines with and without accelerators; the exercise pretends they exist, so they run
on any machine, CPU-only included. The "meta" device (shapes and dtypes, no data) stands in for a
second device; the *_real checks use the device this run grades on (the `device` fixture), so they
run for real on an accelerator. No tensor op here touches an accelerator: the observed tensors are
CPU copies that remember their device. Fixed teaching cases travel with cases drawn from `rng`, in
an order drawn from `rng`, so the right answers differ from job to job (see _in_random_order).
"""

import functools

import torch
import torch.nn.functional as F

from grader import devices, expect
from grader.observations import Opaque, Raised, observed_device

# The documented priority of pick_device (exercise 1).
ORDER = ("cuda", "mps", "xpu", "npu", "mlu")


def _what(value):
    """A returned value for a message: its type and repr (only the type name of what did not travel)."""
    if isinstance(value, Opaque):
        return f"a {value.type} object"
    return f"{type(value).__name__}: {value!r}"


# --- pick_device ----------------------------------------------------------------------------------


def _at(raised):
    """Where the learner's code raised, for a message: " (devices.py, line 12)", or nothing."""
    return f" ({raised.file}, line {raised.line})" if raised.file else ""


def _situation(available, new_torch=True, built=None):
    """A machine for the exercise to simulate. built: the accelerator torch was built for (default:
    the first one available)."""
    available = sorted(available)
    first = next((kind for kind in ORDER if kind in available), None) or next(iter(available), None)
    return {"available": available, "new_torch": new_torch, "built": built or first}


def _describe(situation):
    available, built = situation["available"], situation["built"]
    what = " and ".join(available) if available else "no accelerator"
    build = (
        f" on a torch built for {built} (torch.accelerator.current_accelerator() says {built!r})"
        if (built and built not in available)
        else ""
    )
    return f"with {what} available{build}" + ("" if situation["new_torch"] else " on a torch without torch.accelerator")


def _picked(got, where):
    """pick_device()'s device type ("cuda", "npu", ...) from what it returned `where` (a situation's words)."""
    if isinstance(got, Raised) and got.type == "AttributeError":
        raise AssertionError(
            f"pick_device() {where} raised {got.describe()}. torch.npu, torch.mlu and "
            "torch.accelerator only exist on some installs: check with hasattr(torch, 'npu') or "
            "getattr(torch, 'npu', None) before calling them"
        )
    if isinstance(got, Raised) and got.type == "RuntimeError" and "Expected one of" in got.message:
        raise AssertionError(
            f'pick_device() {where} raised RuntimeError ("Expected one of cpu, cuda, ..."){_at(got)}: '
            "torch.device('npu') or torch.device('mlu') cannot be built on a torch without torch_npu / "
            "torch_mlu loaded. Return the string instead, e.g. 'npu'"
        )
    expect.returned(got, name=f"pick_device() {where}")
    if not isinstance(got, (str, torch.device)):
        raise AssertionError(f"pick_device() should return a string such as 'cuda', got {_what(got)}")
    return str(got).split(":")[0]


def _expect_picks(situations, seen, expected, why):
    """Each situation's answer is its expected device type; `why(situation)` explains a wrong one."""
    for situation, got, want in zip(situations, seen, expected, strict=True):
        where = _describe(situation)
        picked = _picked(got, where)
        assert picked == want, f"pick_device() {where} should return {want!r}, got {picked!r}. {why(situation)}"


def _first_available(situation):
    """The answer pick_device() owes in a situation: the first named backend available, else another
    accelerator torch.accelerator reports as available, else the CPU."""
    available = situation["available"]
    named = next((kind for kind in ORDER if kind in available), None)
    if named:
        return named
    return situation["built"] if situation["new_torch"] and situation["built"] in available else "cpu"


def _draw(rng, choices):
    """One of `choices`, drawn from rng."""
    return choices[int(torch.randint(len(choices), (1,), generator=rng))]


def _in_random_order(rng, cases):
    """Sends `cases` in an order drawn from rng and returns the answers in the cases' own order.

    Every check mixes its teaching cases with cases drawn from rng and shuffles them, so the right
    answers, in the order they are sent, differ from job to job: answers recorded in another job
    (a replay) fail. The judge then reads the teaching cases first, so a known mistake always gets
    the same message."""
    order = torch.randperm(len(cases), generator=rng).tolist()
    seen = yield [cases[i] for i in order]
    assert len(seen) == len(cases), f"expected {len(cases)} answers, got {len(seen)}"
    answers = [None] * len(cases)
    for sent, case in enumerate(order):
        answers[case] = seen[sent]
    return answers


# Accelerator types beyond the named backends that torch.accelerator can report (Gaudi, and an
# out-of-tree backend that keeps its default name); only these travel as devices in observations.
OTHERS = ("hpu", "privateuseone")


def _one_of(rng, kinds, **situation):
    """A situation where exactly one of `kinds` is available, or none when it draws None."""
    kind = _draw(rng, kinds)
    return _situation(set() if kind is None else {kind}, **situation)


def test_pick_device_cpu_fallback(rng):
    """pick_device falls back to "cpu" when no accelerator exists
    没有任何加速器时，pick_device 退回到 "cpu" 设备"""
    teaching = [_situation(set(), built=built) for built in (None, "cuda", "hpu")]
    # Machines with one accelerator in between: "cpu" only when there is none.
    drawn = [
        _situation(set(), built=_draw(rng, (None, "cuda", "xpu", "hpu"))) if kind is None else _situation({kind})
        for kind in (_draw(rng, (None,) + ORDER + OTHERS[:1]) for _ in range(10))
    ]
    situations = teaching + drawn
    seen = yield from _in_random_order(rng, situations)

    def why(situation):
        if situation["available"]:
            return "The CPU is the answer only when no accelerator is available."
        text = "Nothing is available, so the answer is the CPU."
        if situation["built"]:
            text += (
                " torch.accelerator.current_accelerator() names the accelerator torch was built for even where "
                "no such card is present: ask torch.accelerator.is_available() first"
            )
        return text

    _expect_picks(situations, seen, [_first_available(s) for s in situations], why)


def test_pick_device_each_backend(rng):
    """pick_device finds CUDA, MPS and XPU
    pick_device 能找到 CUDA、MPS 和 XPU"""
    how = {
        "cuda": "torch.cuda.is_available()",
        "mps": "torch.backends.mps.is_available()",
        "xpu": "torch.xpu.is_available()",
    }
    situations = [_situation({kind}) for kind in how]
    situations += [_one_of(rng, (None, *how)) for _ in range(10)]
    seen = yield from _in_random_order(rng, situations)
    _expect_picks(
        situations,
        seen,
        [_first_available(s) for s in situations],
        lambda s: (
            f"Ask {how[s['available'][0]]}; the CUDA-only one-liner misses this card."
            if s["available"]
            else "Nothing is available, so the answer is the CPU."
        ),
    )


def test_pick_device_npu_mlu(rng):
    """pick_device finds Ascend NPU and Cambricon MLU and returns them as strings
    pick_device 能找到昇腾 NPU 和寒武纪 MLU，并以字符串返回"""
    situations = [_situation({kind}) for kind in ("npu", "mlu")]
    situations += [_one_of(rng, (None, "npu", "mlu")) for _ in range(14)]
    seen = yield from _in_random_order(rng, situations)
    _expect_picks(
        situations,
        seen,
        [_first_available(s) for s in situations],
        lambda s: (
            f"With torch_{s['available'][0]} installed, torch.{s['available'][0]}.is_available() says whether the "
            "card is there."
            if s["available"]
            else "Nothing is available, so the answer is the CPU."
        ),
    )


def test_pick_device_priority(rng):
    """pick_device follows the priority cuda > mps > xpu > npu > mlu
    pick_device 遵循优先级 cuda > mps > xpu > npu > mlu"""
    sets = [{"cuda", "xpu"}, {"cuda", "npu"}, {"mps", "mlu"}, {"xpu", "npu"}, {"npu", "mlu"}]
    for _ in range(10):  # a first choice, and 1 to 3 devices that come after it
        first = int(torch.randint(len(ORDER) - 1, (1,), generator=rng))
        later = ORDER[first + 1 :] + OTHERS[:1]
        size = int(torch.randint(1, 4, (1,), generator=rng))
        sets.append({ORDER[first]} | {later[int(i)] for i in torch.randperm(len(later), generator=rng)[:size]})
    situations = [_situation(available) for available in sets]
    seen = yield from _in_random_order(rng, situations)
    _expect_picks(
        situations,
        seen,
        [_first_available(s) for s in situations],
        lambda s: "Check the devices in the documented order and return the first one available.",
    )


def test_pick_device_old_torch(rng):
    """pick_device works on a torch without torch.accelerator
    在没有 torch.accelerator 的旧版 torch 上，pick_device 也能工作"""
    situations = [_situation(available, new_torch=False) for available in (set(), {"cuda"}, {"npu"})]
    situations += [_one_of(rng, (None,) + ORDER, new_torch=False) for _ in range(10)]
    seen = yield from _in_random_order(rng, situations)
    _expect_picks(
        situations,
        seen,
        [_first_available(s) for s in situations],
        lambda s: "torch.accelerator only exists from torch 2.6: use it only if hasattr(torch, 'accelerator').",
    )


def test_pick_device_other_accelerator(rng):
    """pick_device returns any other accelerator torch.accelerator reports
    pick_device 返回 torch.accelerator 报告的其他加速器"""
    situations = [_situation({"hpu"})]
    for _ in range(10):  # another accelerator alone, built for but absent, or after a named backend
        other, named = _draw(rng, OTHERS), _draw(rng, ORDER)
        situations.append(_draw(rng, (_situation({other}), _situation(set(), built=other), _situation({named, other}))))
    seen = yield from _in_random_order(rng, situations)

    def why(situation):
        if not situation["available"]:
            return (
                "torch.accelerator.current_accelerator() names the accelerator torch was built for even where "
                "no such card is present: ask torch.accelerator.is_available() first"
            )
        if len(situation["available"]) > 1:
            return "The named backends come first; torch.accelerator is asked only when none of them is available."
        return (
            "After the named backends, ask torch.accelerator.is_available() and return "
            "torch.accelerator.current_accelerator().type."
        )

    _expect_picks(situations, seen, [_first_available(s) for s in situations], why)


@functools.cache
def _present_kinds():
    """The accelerator types of this machine (asked once: it probes every backend)."""
    return frozenset(info.name.split(":")[0] for info in devices.available())


def _real_choice(device):
    """What pick_device() finds in this job. A job on an accelerator sees every accelerator of this
    machine; a CPU job has them hidden, except Apple's MPS, which no environment variable hides."""
    if device.type == "cpu":
        return "mps" if torch.backends.mps.is_available() else "cpu"
    visible = _present_kinds() | {device.type}
    return next(kind for kind in ORDER if kind in visible)


def test_pick_device_real(rng, device):
    """pick_device picks a device that really exists on this machine
    pick_device 选中本机真实存在的设备"""
    expected = _real_choice(device)
    # The machine's answer is the same in every job; the tensor made there from this job's values is not.
    values = torch.randn(*torch.randint(1, 5, (2,), generator=rng).tolist(), generator=rng)
    seen = yield values
    got = seen["got"]
    picked = _picked(got, "on this machine")
    assert picked == expected, (
        f"on this machine pick_device() should return {expected!r}, got {str(got)!r}. "
        "Ask each backend whether it is available instead of assuming one."
    )
    made = f"values.to({str(got)!r})"
    expect.device(seen["made"], expected, name=made, why="pick_device() must name a device that this machine can use")
    expect.close(seen["made"], values, name=made, why="a tensor moved to the picked device keeps its values")


# --- move_batch -----------------------------------------------------------------------------------


def _check_moved(got, want, target, path):
    """Structure, types and placement of move_batch's result, with the path of the first difference."""
    if isinstance(want, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            raise AssertionError(f"{path} should be a tensor, got {_what(got)}")
        expect.device(got, target, name=path, why="every tensor in the batch must be moved with .to(device)")
        expect.shape(got, want.shape, name=path)
        expect.dtype(got, want.dtype, name=path, why="moving must not change the dtype")
        if torch.device(target).type != "meta":  # a meta tensor has no values to compare
            expect.close(got, want, name=path, why="moving a tensor keeps its values")
    elif isinstance(want, dict):
        if not isinstance(got, dict):
            raise AssertionError(f"{path} should be a dict, got {_what(got)}: keep the batch's structure")
        if set(got) != set(want):
            raise AssertionError(f"{path} should have keys {sorted(want)}, got {sorted(got, key=str)}")
        for key in want:
            _check_moved(got[key], want[key], target, f"{path}[{key!r}]")
    elif isinstance(want, (list, tuple)):
        kind = type(want).__name__
        if not isinstance(got, type(want)):
            raise AssertionError(
                f"{path} should stay a {kind}, got {type(got).__name__}: rebuild each container with its own type "
                "(code often unpacks tuples such as (images, labels))"
            )
        if len(got) != len(want):
            raise AssertionError(f"{path} should have {len(want)} items, got {len(got)}")
        for i, (g, w) in enumerate(zip(got, want)):
            _check_moved(g, w, target, f"{path}[{i}]")
    elif isinstance(got, torch.Tensor):
        raise AssertionError(
            f"{path} should be kept as the plain value {want!r}, got a tensor: only tensors are moved; strings, "
            "numbers and None come back as they were"
        )
    elif not (got is want or got == want):
        raise AssertionError(f"{path} is not a tensor and should be kept as {want!r}, got {_what(got)}")


def _first_change(now, before, path):
    """The path of the first tensor or container in `now` (the batch after the call) that differs in
    place or structure from `before` (the batch as sent), or None."""
    if isinstance(before, torch.Tensor):
        return None if isinstance(now, torch.Tensor) and observed_device(now) == before.device else path
    if isinstance(before, dict):
        if not isinstance(now, dict) or list(now) != list(before):
            return path
        return next((c for k in before if (c := _first_change(now[k], before[k], f"{path}[{k!r}]"))), None)
    if isinstance(before, (list, tuple)):
        if type(now) is not type(before) or len(now) != len(before):
            return path
        return next(
            (c for i, (n, b) in enumerate(zip(now, before)) if (c := _first_change(n, b, f"{path}[{i}]"))), None
        )
    return None


def _moved(seen, batch, target, what):
    """move_batch's result, once the batch passed in is seen to be left as it was."""
    out, call = seen["out"], f"move_batch({what}, {str(target)!r})"
    if isinstance(out, Raised) and out.type == "AttributeError" and "'to'" in out.message:
        raise AssertionError(
            f"{call} raised {out.describe()}. Only tensors have .to(); "
            "walk the dict / list / tuple and move each tensor inside it"
        )
    expect.returned(out, name=call)
    changed = _first_change(seen["batch_after"], batch, "batch")
    assert changed is None, (
        f"{call} changed the batch it was given ({changed} is no longer as it was): "
        "build new dicts / lists / tuples for the result instead of assigning into the caller's containers"
    )
    return out


def _nested_cases(rng):
    """(what, batch, target): a tensor, nested dicts / lists / tuples with plain values, an empty dict;
    all to "meta", which no tensor here is on, and last a pair to the CPU, where values can be compared."""
    n = int(torch.randint(2, 6, (1,), generator=rng))
    number = int(torch.randint(1, 100, (1,), generator=rng))
    ratio = round(float(torch.rand(1, generator=rng)) * 10, 2)
    return [
        ("a tensor", torch.rand(3, n + 1, generator=rng), "meta"),
        (
            "a dict batch",
            {
                "image": torch.rand(n, 1, 5, 3, generator=rng),
                "label": torch.randint(0, 10, (n,), generator=rng),
                "info": {
                    "ids": [torch.arange(n), torch.rand(n, generator=rng, dtype=torch.float64)],
                    "source": "mnist",
                    "pair": (torch.rand(3, generator=rng), number, None),
                },
            },
            "meta",
        ),
        (
            "(images, labels)",
            (torch.rand(n, 3, generator=rng), torch.randint(0, 2, (n,), generator=rng)),
            torch.device("meta"),
        ),
        (
            "a list",
            [torch.rand(n, generator=rng), "keep me", ratio, [torch.randint(0, 9, (1,), generator=rng)]],
            "meta",
        ),
        ("an empty dict", {}, "meta"),
        ("(images, labels)", (torch.rand(n, 3, generator=rng), torch.randint(0, 9, (n,), generator=rng)), "cpu"),
    ]


def test_move_batch_nested(rng):
    """move_batch moves every tensor of a nested dict / list / tuple batch and keeps its structure
    move_batch 移动嵌套的 dict / list / tuple 批次中的每个张量，并保持结构不变"""
    cases = _nested_cases(rng)
    seen = yield [{"batch": batch, "target": target} for _, batch, target in cases]
    for (what, batch, target), got in zip(cases, seen, strict=True):
        out = _moved(got, batch, target, what)
        _check_moved(out, batch, target, f"move_batch({what}, {str(target)!r})")


def test_move_batch_real(rng, device):
    """move_batch moves a batch to the graded device with its values intact
    move_batch 把批次移动到当前评测设备上，数值保持不变"""
    n = int(torch.randint(2, 7, (1,), generator=rng))
    weights = torch.randn(2, 3, generator=rng, dtype=torch.float64, requires_grad=True)
    batch = {"x": torch.randn(n, 3, generator=rng), "y": torch.randint(0, 5, (n,), generator=rng), "extra": [weights]}
    seen = yield {"batch": batch, "target": device}
    where = str(device)
    out = _moved(seen, batch, device, "a dict batch")
    _check_moved(out, batch, device, f"move_batch(batch, {where!r})")
    expect.requires_grad(
        out["extra"][0],
        True,
        name=f"move_batch(batch, {where!r})['extra'][0] (moved from a tensor that requires grad)",
        why=".to(device) keeps the autograd link; .detach() or .data cuts it",
    )
    expect.close(
        seen["weights_grad"],
        torch.ones_like(weights),
        name="the gradient reaching the original tensor",
        why="the moved tensor should stay connected to the one in the batch",
    )


# --- model_device ---------------------------------------------------------------------------------


def _as_device(value, call):
    expect.returned(value, name=call)
    if isinstance(value, torch.device):
        return value
    try:
        if isinstance(value, str):
            return torch.device(value)
    except RuntimeError:
        pass
    raise AssertionError(f"{call} should return a torch.device, got {_what(value)}")


def test_model_device(rng, device):
    """model_device reports where a model's parameters (or buffers) live
    model_device 报告模型参数（或缓冲区）所在的设备"""
    why = "ask the model (its first parameter, else its first buffer) instead of assuming where it is"
    n_in, n_out = (int(size) for size in torch.randint(1, 9, (2,), generator=rng))
    cases = [  # (what, model the exercise builds, where it moves it, expected)
        ("nn.Linear moved to 'meta'", "nn.Linear", "meta", "meta"),
        ("nn.Sequential(nn.ReLU(), nn.Linear) on 'meta'", "nn.Sequential(nn.ReLU(), nn.Linear)", "meta", "meta"),
        ("a module with only a buffer on 'meta'", "a module with only a buffer", "meta", "meta"),
        ("nn.ReLU() (no parameters, no buffers)", "nn.ReLU()", "cpu", "cpu"),
        (f"nn.Linear moved to {str(device)!r}", "nn.Linear", str(device), str(device)),
    ]
    places = sorted({"meta", "cpu", str(device)})
    for _ in range(24):  # models left where they were made or moved, drawn per job
        model, where = (
            _draw(
                rng, ("nn.Linear", "nn.Sequential(nn.ReLU(), nn.Linear)", "a module with only a buffer", "nn.ReLU()")
            ),
            _draw(rng, places),
        )
        cases.append((f"{model} moved to {where!r}", model, where, "cpu" if model == "nn.ReLU()" else where))
    seen = yield from _in_random_order(
        rng, [{"model": model, "sizes": [n_in, n_out], "where": where} for _, model, where, _ in cases]
    )
    for (what, _, _, expected), value in zip(cases, seen, strict=True):
        got = _as_device(value, f"model_device({what})")
        want = torch.device(expected)
        same = got.type == want.type and (want.index is None or got.index == want.index)
        assert same, f"model_device({what}) should be {want}, got {got}: {why}"


# --- predict --------------------------------------------------------------------------------------


def _prediction(out, model_moved, what):
    """predict's output, once the model is seen to have stayed where it was."""
    assert not model_moved, (
        f"predict({what}) moved the model to another device (model.to(...)): leave the model where it is and "
        "move x to the model's device; moving a model costs far more than moving a batch, and the caller's model "
        "would end up somewhere else"
    )
    if isinstance(out, Raised) and out.type == "RuntimeError" and "device" in out.message:
        first = out.message.splitlines()[0][:160].rstrip(".!")
        raise AssertionError(
            f"predict({what}) failed: {first}. The model and its input must be on "
            "the same device: move x to the model's device before calling the model"
        )
    return expect.returned(out, name=f"predict({what})")


def test_predict_follows_model(rng):
    """predict runs on the model's device even when the input is elsewhere
    即使输入在别的设备上，predict 也在模型所在的设备上运行"""
    n, rows, cols, n_out = (int(size) for size in torch.randint(2, 6, (4,), generator=rng))
    x = torch.randn(n, rows, cols, generator=rng)
    seen = yield {"x": x, "out_features": n_out}
    what = "a model on 'meta', x on the CPU"
    out = _prediction(seen["x_on_cpu"]["out"], seen["x_on_cpu"]["model_moved"], what)
    expect.device(
        out,
        "meta",
        name="predict(model on 'meta', x on the CPU)",
        why="the output comes from the model's device: move x there, not the model to x",
    )
    expect.shape(out, (n, n_out), name=f"predict(model on 'meta', x of shape {(n, rows, cols)})")
    out = _prediction(
        seen["x_on_meta"]["out"], seen["x_on_meta"]["model_moved"], "a model on 'meta', x already on 'meta'"
    )
    expect.device(out, "meta", name="predict(model on 'meta', x on 'meta')")
    out = _prediction(seen["relu"]["out"], seen["relu"]["model_moved"], "nn.ReLU(), x on the CPU")
    expect.matches(
        out,
        torch.relu(x),
        name="predict(nn.ReLU(), x on the CPU)",
        why="a model without parameters counts as on the CPU, so x stays there",
    )


def test_predict_real(rng, device):
    """predict gives the same answer on the graded device as on the CPU
    predict 在当前评测设备上的结果与 CPU 上一致"""
    n, n_in, hidden, n_out = (int(size) for size in torch.randint(2, 9, (4,), generator=rng))
    layers = [
        (torch.randn(hidden, n_in, generator=rng) / n_in**0.5, torch.randn(hidden, generator=rng)),
        (torch.randn(n_out, hidden, generator=rng) / hidden**0.5, torch.randn(n_out, generator=rng)),
    ]
    x = torch.randn(n, n_in, generator=rng)
    seen = yield {"layers": layers, "x": x}
    expected = F.linear(torch.tanh(F.linear(x, *layers[0])), *layers[1])
    where = str(device)
    out = _prediction(seen, False, f"a model on {where!r}, x on the CPU")
    expect.device(out, device, name=f"predict(model on {where!r}, x on the CPU)")
    expect.close(
        out,
        expected,
        name=f"predict(model on {where!r}, x)",
        rtol=1e-3,
        atol=1e-4,
        why="the same model on another device should compute the same values",
    )


# --- supported_dtype ------------------------------------------------------------------------------


def test_supported_dtype(rng):
    """supported_dtype swaps float64 for float32 on MPS only
    supported_dtype 只在 MPS 上把 float64 换成 float32"""
    cases = [
        ("mps", torch.float64),
        ("mps:0", torch.float64),
        (torch.device("mps"), torch.float64),
        ("mps", torch.float32),
        ("mps", torch.float16),
        ("mps", torch.int64),
        ("cpu", torch.float64),
        (torch.device("cuda", 1), torch.float64),
        ("cuda", torch.float32),
        ("npu", torch.float64),
        ("mlu:0", torch.float64),
        ("meta", torch.float64),
    ]
    wheres = (
        "mps",
        "mps:1",
        torch.device("mps", 0),
        "cpu",
        torch.device("cpu"),
        "cuda",
        "cuda:0",
        torch.device("cuda"),
        "xpu",
        "npu:0",
        "mlu",
        "meta",
    )
    dtypes = (
        torch.float64,
        torch.float32,
        torch.float16,
        torch.bfloat16,
        torch.int64,
        torch.int32,
        torch.int8,
        torch.uint8,
        torch.bool,
        torch.complex64,
    )
    cases += [(_draw(rng, wheres), _draw(rng, dtypes)) for _ in range(12)]
    seen = yield from _in_random_order(rng, cases)
    for (where, dtype), got in zip(cases, seen, strict=True):
        call = f"supported_dtype({str(where)!r}, {dtype})"
        if isinstance(got, Raised) and got.type == "RuntimeError" and "Expected one of" in got.message:
            raise AssertionError(
                f"{call} raised RuntimeError{_at(got)}: torch.device({str(where)!r}) cannot be built without "
                "torch_npu / torch_mlu. Compare the device type as a string: str(device).split(':')[0]"
            )
        expect.returned(got, name=call)
        expected = torch.float32 if (str(where).split(":")[0], dtype) == ("mps", torch.float64) else dtype
        why = (
            "Apple's MPS has no float64: use float32 there"
            if expected != dtype
            else "only float64 on MPS changes; every other device and dtype is returned as it is"
        )
        assert got == expected, f"{call} should be {expected}, got {got}. {why}"
