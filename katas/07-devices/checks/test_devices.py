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
from grader.bilingual import Text, both
from grader.observations import Opaque, Raised, observed_device

# The documented priority of pick_device (exercise 1).
ORDER = ("cuda", "mps", "xpu", "npu", "mlu")


def _what(value) -> Text:
    """A returned value for a message: its type and repr (only the type name of what did not travel)."""
    if isinstance(value, Opaque):
        return both(f"a {value.type} object", f"{value.type} 对象")
    return f"{type(value).__name__}: {value!r}"


# --- pick_device ----------------------------------------------------------------------------------


def _at(raised) -> Text:
    """Where the learner's code raised, for a message: " (devices.py, line 12)", or nothing."""
    return (
        both(f" ({raised.file}, line {raised.line})", f"（{raised.file} 第 {raised.line} 行）") if raised.file else ""
    )


def _spaced(text):
    """`text` after Chinese: a space before Latin text."""
    return f" {text}" if text[0].isascii() else text


def _situation(available, new_torch=True, built=None, installed=()):
    """A machine for the exercise to simulate. built: the accelerator torch was built for (default:
    the first one available). installed: "npu" / "mlu" whose plug-in is installed without its card."""
    available = sorted(available)
    first = next((kind for kind in ORDER if kind in available), None) or next(iter(available), None)
    return {"available": available, "new_torch": new_torch, "built": built or first, "installed": sorted(installed)}


def _describe(situation) -> Text:
    """The situation in words: "with cuda available ..." in English, "在 cuda 可用……的机器上" in Chinese,
    which pick_device's messages put before the call."""
    available, built = situation["available"], situation["built"]
    what = " and ".join(available) if available else "no accelerator"
    build = (
        f" on a torch built for {built} (torch.accelerator.current_accelerator() says {built!r})"
        if (built and built not in available)
        else ""
    )
    plugins = [f"torch_{kind}" for kind in situation["installed"]]
    english = (
        f"with {what} available{build}"
        + ("" if situation["new_torch"] else " on a torch without torch.accelerator")
        + (f" ({' and '.join(plugins)} installed, but no such card)" if plugins else "")
    )
    parts = [f"{' 和 '.join(available)} 可用" if available else "没有任何加速器可用"]
    if plugins:
        parts.append(f"装了 {' 和 '.join(plugins)} 却没有这种卡")
    if build:
        parts.append(f"torch 为 {built} 而构建（torch.accelerator.current_accelerator() 返回 {built!r}）")
    if not situation["new_torch"]:
        parts.append("torch 中没有 torch.accelerator")
    chinese = "、".join(parts)
    return both(english, f"在{_spaced(chinese)}{' ' if chinese[-1].isascii() else ''}的机器上")


def _picked(got, where: Text):
    """pick_device()'s device type ("cuda", "npu", ...) from what it returned `where` (a situation's words)."""
    if isinstance(got, Raised) and got.type == "AttributeError":
        raise AssertionError(
            both(
                "pick_device() {where} raised {error}. torch.npu, torch.mlu and "
                "torch.accelerator only exist on some installs: check with hasattr(torch, 'npu') or "
                "getattr(torch, 'npu', None) before calling them",
                "{where}，pick_device() 抛出了 {error}。torch.npu、torch.mlu 和 torch.accelerator "
                "只在部分安装中存在：调用之前先用 `hasattr(torch, 'npu')` 或 `getattr(torch, 'npu', None)` 检查",
            ).format(where=where, error=got.describe())
        )
    if isinstance(got, Raised) and got.type == "RuntimeError" and "Expected one of" in got.message:
        raise AssertionError(
            both(
                'pick_device() {where} raised RuntimeError ("Expected one of cpu, cuda, ..."){at}: '
                "torch.device('npu') or torch.device('mlu') cannot be built on a torch without torch_npu / "
                "torch_mlu loaded. Return the string instead, e.g. 'npu'",
                '{where}，pick_device() 抛出了 RuntimeError ("Expected one of cpu, cuda, ..."){at}：'
                "没有加载 torch_npu / torch_mlu 的 torch 无法构造 torch.device('npu') 或 torch.device('mlu')。"
                "请改为返回字符串，例如 'npu'",
            ).format(where=where, at=_at(got))
        )
    expect.returned(got, name=both("pick_device() {where}", "{where}，pick_device()").format(where=where))
    if not isinstance(got, (str, torch.device)):
        raise AssertionError(
            both(
                "pick_device() should return a string such as 'cuda', got {what}",
                "pick_device() 应返回 'cuda' 这样的字符串，实际得到 {what}",
            ).format(what=_what(got))
        )
    return str(got).split(":")[0]


def _expect_picks(situations, seen, expected, why):
    """Each situation's answer is its expected device type; `why(situation)` explains a wrong one."""
    for situation, got, want in zip(situations, seen, expected, strict=True):
        where = _describe(situation)
        picked = _picked(got, where)
        assert picked == want, both(
            "pick_device() {where} should return {want}, got {got}. {why}",
            "{where}，pick_device() 应返回 {want}，实际是 {got}。{why}",
        ).format(where=where, want=repr(want), got=repr(picked), why=why(situation))


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
    assert len(seen) == len(cases), both(
        f"expected {len(cases)} answers, got {len(seen)}", f"应有 {len(cases)} 个答案，实际得到 {len(seen)} 个"
    )
    answers = [None] * len(cases)
    for sent, case in enumerate(order):
        answers[case] = seen[sent]
    return answers


NOTHING_AVAILABLE = both("Nothing is available, so the answer is the CPU.", "没有任何设备可用，所以答案是 CPU。")
BUILT_FOR = both(
    "torch.accelerator.current_accelerator() names the accelerator torch was built for even where "
    "no such card is present: ask torch.accelerator.is_available() first",
    "即使机器上没有这种卡，torch.accelerator.current_accelerator() 也会给出 torch 构建时所针对的加速器："
    "先问 torch.accelerator.is_available()",
)
MPS_BUILT = both(
    "torch.backends.mps.is_built() only says this torch was built with MPS support; whether this Mac can use "
    "it is torch.backends.mps.is_available()",
    "torch.backends.mps.is_built() 只说明这个 torch 编译时带有 MPS 支持；这台 Mac 能否使用 MPS，"
    "要看 torch.backends.mps.is_available()",
)

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
    teaching = [_situation(set(), built=built) for built in (None, "cuda", "hpu", "mps")]
    # Machines with one accelerator in between: "cpu" only when there is none.
    drawn = [
        _situation(set(), built=_draw(rng, (None, "cuda", "xpu", "hpu", "mps"))) if kind is None else _situation({kind})
        for kind in (_draw(rng, (None,) + ORDER + OTHERS[:1]) for _ in range(10))
    ]
    situations = teaching + drawn
    seen = yield from _in_random_order(rng, situations)

    def why(situation):
        if situation["available"]:
            return both(
                "The CPU is the answer only when no accelerator is available.",
                "只有在没有任何加速器可用时，答案才是 CPU。",
            )
        text = NOTHING_AVAILABLE
        if situation["built"]:
            text += both(" ", "") + BUILT_FOR
        if situation["built"] == "mps":
            text += both(" ", "") + MPS_BUILT
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
            both(
                f"Ask {how[s['available'][0]]}; the CUDA-only one-liner misses this card.",
                f"请调用 {how[s['available'][0]]}；只检查 CUDA 的那一行写法会漏掉这种卡。",
            )
            if s["available"]
            else NOTHING_AVAILABLE
        ),
    )


def test_pick_device_npu_mlu(rng):
    """pick_device finds Ascend NPU and Cambricon MLU and returns them as strings
    pick_device 能找到昇腾 NPU 和寒武纪 MLU，并以字符串返回"""
    situations = [_situation({kind}) for kind in ("npu", "mlu")]
    # The plug-in installed on a machine without its card (a build server, a laptop): torch.npu exists there.
    situations += [_situation(set(), installed={kind}) for kind in ("npu", "mlu")]
    situations += [_one_of(rng, (None, "npu", "mlu")) for _ in range(10)]
    for _ in range(4):  # one plug-in without its card, beside a card or alone
        kind = _draw(rng, ("npu", "mlu"))
        beside = _draw(rng, ((), ("cuda",), ("mlu",) if kind == "npu" else ("npu",)))
        situations.append(_situation(set(beside), installed={kind}))
    seen = yield from _in_random_order(rng, situations)

    def why(situation):
        if situation["installed"]:
            kind = situation["installed"][0]
            return both(
                f"torch.{kind} exists as soon as torch_{kind} is installed, card or no card: "
                f"call torch.{kind}.is_available() instead of only checking that torch.{kind} exists.",
                f"只要装了 torch_{kind}，不管有没有卡，torch.{kind} 都存在："
                f"请调用 torch.{kind}.is_available()，而不是只检查 torch.{kind} 是否存在。",
            )
        if situation["available"]:
            kind = situation["available"][0]
            return both(
                f"With torch_{kind} installed, torch.{kind}.is_available() says whether the card is there.",
                f"装好 torch_{kind} 后，torch.{kind}.is_available() 会告诉你这张卡在不在。",
            )
        return NOTHING_AVAILABLE

    _expect_picks(situations, seen, [_first_available(s) for s in situations], why)


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
        lambda s: both(
            "Check the devices in the documented order and return the first one available.",
            "按文档规定的顺序逐个检查设备，返回第一个可用的。",
        ),
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
        lambda s: both(
            "torch.accelerator only exists from torch 2.6: use it only if hasattr(torch, 'accelerator').",
            "torch.accelerator 从 torch 2.6 起才有：只在 hasattr(torch, 'accelerator') 为真时使用它。",
        ),
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
            return BUILT_FOR
        if len(situation["available"]) > 1:
            return both(
                "The named backends come first; torch.accelerator is asked only when none of them is available.",
                "先检查列出的那几个后端；只有它们都不可用时，才去问 torch.accelerator。",
            )
        return both(
            "After the named backends, ask torch.accelerator.is_available() and return "
            "torch.accelerator.current_accelerator().type.",
            "检查完列出的那几个后端之后，再问 torch.accelerator.is_available()，"
            "并返回 torch.accelerator.current_accelerator().type。",
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
    picked = _picked(got, both("on this machine", "在本机上"))
    assert picked == expected, both(
        f"on this machine pick_device() should return {expected!r}, got {str(got)!r}. "
        "Ask each backend whether it is available instead of assuming one.",
        f"在本机上，pick_device() 应返回 {expected!r}，实际是 {str(got)!r}。请逐个询问各后端是否可用，不要想当然地认定某一个。",
    )
    made = f"values.to({str(got)!r})"
    expect.device(
        seen["made"],
        expected,
        name=made,
        why=both("pick_device() must name a device that this machine can use", "pick_device() 必须给出本机能用的设备"),
    )
    expect.close(
        seen["made"],
        values,
        name=made,
        why=both("a tensor moved to the picked device keeps its values", "张量移到所选设备上之后，数值应保持不变"),
    )


# --- move_batch -----------------------------------------------------------------------------------


def _check_moved(got, want, target, path: Text):
    """Structure, types and placement of move_batch's result, with the path of the first difference.
    A path is code with the batch's description in it; its Chinese text ends in code, so it takes a space."""
    if isinstance(want, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            raise AssertionError(
                both("{path} should be a tensor, got {what}", "{path} 应为张量，实际得到 {what}").format(
                    path=path, what=_what(got)
                )
            )
        expect.device(
            got,
            target,
            name=path,
            why=both(
                "every tensor in the batch must be moved with .to(device), and its result used: a tensor's "
                ".to() returns a moved copy and leaves the tensor where it was (only a module's .to() moves it in place)",
                "批次中的每个张量都必须用 .to(device) 移动，并且要使用它的返回值：张量的 .to() 返回移动后的副本，"
                "原张量留在原处（只有模块的 .to() 会原地移动模块）",
            ),
        )
        expect.shape(got, want.shape, name=path)
        expect.dtype(got, want.dtype, name=path, why=both("moving must not change the dtype", "移动不能改变 dtype"))
        if torch.device(target).type != "meta":  # a meta tensor has no values to compare
            expect.close(got, want, name=path, why=both("moving a tensor keeps its values", "移动张量应保持数值不变"))
    elif isinstance(want, dict):
        if not isinstance(got, dict):
            raise AssertionError(
                both(
                    "{path} should be a dict, got {what}: keep the batch's structure",
                    "{path} 应为 dict，实际得到 {what}：请保持批次原有的结构",
                ).format(path=path, what=_what(got))
            )
        if set(got) != set(want):
            raise AssertionError(
                both("{path} should have keys {want}, got {got}", "{path} 的键应为 {want}，实际是 {got}").format(
                    path=path, want=sorted(want), got=sorted(got, key=str)
                )
            )
        for key in want:
            _check_moved(got[key], want[key], target, path + f"[{key!r}]")
    elif isinstance(want, (list, tuple)):
        kind = type(want).__name__
        if not isinstance(got, type(want)):
            raise AssertionError(
                both(
                    "{path} should stay a {kind}, got {got}: rebuild each container with its own type "
                    "(code often unpacks tuples such as (images, labels))",
                    "{path} 应保持为 {kind}，实际变成了 {got}：请按每个容器原来的类型重建它"
                    "（很多代码会解包 (images, labels) 这样的 tuple）",
                ).format(path=path, kind=kind, got=type(got).__name__)
            )
        if len(got) != len(want):
            raise AssertionError(
                both("{path} should have {want} items, got {got}", "{path} 应有 {want} 项，实际有 {got} 项").format(
                    path=path, want=len(want), got=len(got)
                )
            )
        for i, (g, w) in enumerate(zip(got, want)):
            _check_moved(g, w, target, path + f"[{i}]")
    elif isinstance(got, torch.Tensor):
        raise AssertionError(
            both(
                "{path} should be kept as the plain value {want}, got a tensor: only tensors are moved; strings, "
                "numbers and None come back as they were",
                "{path} 应保持为普通值 {want}，实际得到一个张量：只有张量需要移动；字符串、数字和 None 原样返回",
            ).format(path=path, want=repr(want))
        )
    elif not (got is want or got == want):
        raise AssertionError(
            both(
                "{path} is not a tensor and should be kept as {want}, got {what}",
                "{path} 不是张量，应保持为 {want}，实际得到 {what}",
            ).format(path=path, want=repr(want), what=_what(got))
        )


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


def _move_call(what: Text, target) -> Text:
    """move_batch(<what>, <target>) for a message; `what` describes the batch."""
    return "move_batch(" + what + f", {str(target)!r})"


def _moved(seen, batch, target, what: Text):
    """move_batch's result, once the batch passed in is seen to be left as it was."""
    out, call = seen["out"], _move_call(what, target)
    if isinstance(out, Raised) and out.type == "AttributeError" and "'to'" in out.message:
        raise AssertionError(
            both(
                "{call} raised {error}. Only tensors have .to(); "
                "walk the dict / list / tuple and move each tensor inside it",
                "{call} 抛出了 {error}。只有张量才有 .to()；请遍历 dict / list / tuple，把其中的每个张量分别移动过去",
            ).format(call=call, error=out.describe())
        )
    expect.returned(out, name=call)
    changed = _first_change(seen["batch_after"], batch, "batch")
    assert changed is None, both(
        "{call} changed the batch it was given ({changed} is no longer as it was): "
        "build new dicts / lists / tuples for the result instead of assigning into the caller's containers",
        "{call} 修改了传给它的批次（{changed} 已不再是原来的样子）："
        "请为结果新建 dict / list / tuple，而不是往调用者的容器里赋值",
    ).format(call=call, changed=changed)
    return out


A_DICT_BATCH = both("a dict batch", "一个 dict 批次")


def _nested_cases(rng):
    """(what, batch, target): a tensor, nested dicts / lists / tuples with plain values, an empty dict;
    all to "meta", which no tensor here is on, and last a pair to the CPU, where values can be compared."""
    n = int(torch.randint(2, 6, (1,), generator=rng))
    number = int(torch.randint(1, 100, (1,), generator=rng))
    ratio = round(float(torch.rand(1, generator=rng)) * 10, 2)
    return [
        (both("a tensor", "一个张量"), torch.rand(3, n + 1, generator=rng), "meta"),
        (
            A_DICT_BATCH,
            {
                "image": torch.rand(n, 1, 5, 3, generator=rng),
                "label": torch.randint(0, 10, (n,), generator=rng),
                "info": {
                    "ids": [torch.arange(n), torch.rand(n, generator=rng, dtype=torch.float64)],
                    "source": "mnist",
                    "pair": (torch.rand(3, generator=rng), number, None),
                    "mask": None,  # a key whose value is None stays, with None
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
            both("a list", "一个 list"),
            [torch.rand(n, generator=rng), "keep me", ratio, [torch.randint(0, 9, (1,), generator=rng)]],
            "meta",
        ),
        (both("an empty dict", "一个空 dict"), {}, "meta"),
        ("(images, labels)", (torch.rand(n, 3, generator=rng), torch.randint(0, 9, (n,), generator=rng)), "cpu"),
    ]


def test_move_batch_nested(rng):
    """move_batch moves every tensor of a nested dict / list / tuple batch and keeps its structure
    move_batch 移动嵌套的 dict / list / tuple 批次中的每个张量，并保持结构不变"""
    cases = _nested_cases(rng)
    seen = yield [{"batch": batch, "target": target} for _, batch, target in cases]
    for (what, batch, target), got in zip(cases, seen, strict=True):
        out = _moved(got, batch, target, what)
        _check_moved(out, batch, target, _move_call(what, target))


def test_move_batch_real(rng, device):
    """move_batch moves a batch to the graded device with its values intact
    move_batch 把批次移动到当前评测设备上，数值保持不变"""
    n = int(torch.randint(2, 7, (1,), generator=rng))
    weights = torch.randn(2, 3, generator=rng, dtype=torch.float64, requires_grad=True)
    batch = {"x": torch.randn(n, 3, generator=rng), "y": torch.randint(0, 5, (n,), generator=rng), "extra": [weights]}
    seen = yield {"batch": batch, "target": device}
    where = str(device)
    out = _moved(seen, batch, device, A_DICT_BATCH)
    _check_moved(out, batch, device, f"move_batch(batch, {where!r})")
    expect.requires_grad(
        out["extra"][0],
        True,
        name=both(
            f"move_batch(batch, {where!r})['extra'][0] (moved from a tensor that requires grad)",
            f"move_batch(batch, {where!r})['extra'][0]（由一个 requires_grad 的张量移动而来）",
        ),
        why=both(
            ".to(device) keeps the autograd link; .detach() or .data cuts it",
            ".to(device) 会保留自动求导的连接；.detach() 或 .data 会切断它",
        ),
    )
    expect.close(
        seen["weights_grad"],
        torch.ones_like(weights),
        name=both("the gradient reaching the original tensor", "传回原张量的梯度"),
        why=both(
            "the moved tensor should stay connected to the one in the batch: .to(device) keeps that link, while "
            "copy.deepcopy, .detach(), .data or torch.tensor(t) make a new leaf that no gradient leaves",
            "移动后的张量应与批次中的原张量在计算图中保持相连：.to(device) 会保留这种连接，而 copy.deepcopy、"
            ".detach()、.data 或 torch.tensor(t) 都会生成一个新的叶子张量，梯度传不回原张量",
        ),
    )


# --- model_device ---------------------------------------------------------------------------------


def _as_device(value, call: Text):
    expect.returned(value, name=call)
    if isinstance(value, torch.device):
        return value
    # A string such as "meta" would still work in .to(), but callers read model_device(m).type / .index.
    raise AssertionError(
        both(
            "{call} should return a torch.device, got {what}: return the tensor's .device itself "
            '(and torch.device("cpu") for a model without tensors), not its string',
            "{call} 应返回 torch.device，实际得到 {what}：请直接返回张量的 .device"
            '（没有张量的模型返回 torch.device("cpu")），不要返回它的字符串',
        ).format(call=call, what=_what(value))
    )


# The models model_device is asked about (the exercise builds them by these names), in Chinese.
_MODELS_ZH = {
    "nn.Linear": "nn.Linear",
    "nn.Sequential(nn.ReLU(), nn.Linear)": "nn.Sequential(nn.ReLU(), nn.Linear)",
    "a module with only a buffer": "只有一个 buffer 的模块",
    "nn.ReLU()": "nn.ReLU()",
}


def _moved_to(model, where):
    return both(f"{model} moved to {where!r}", f"移动到 {where!r} 的{_spaced(_MODELS_ZH[model])}")


def test_model_device(rng, device):
    """model_device reports where a model's parameters (or buffers) live
    model_device 报告模型参数（或 buffer（缓冲区））所在的设备"""
    why = both(
        "ask the model (its first parameter, else its first buffer) instead of assuming where it is",
        "请直接询问模型：先看它的第一个参数，没有参数时再看第一个 buffer（缓冲区），不要想当然地认定它在哪里",
    )
    n_in, n_out = (int(size) for size in torch.randint(1, 9, (2,), generator=rng))
    cases = [  # (what, model the exercise builds, where it moves it, expected)
        (_moved_to("nn.Linear", "meta"), "nn.Linear", "meta", "meta"),
        (
            both("nn.Sequential(nn.ReLU(), nn.Linear) on 'meta'", "位于 'meta' 的 nn.Sequential(nn.ReLU(), nn.Linear)"),
            "nn.Sequential(nn.ReLU(), nn.Linear)",
            "meta",
            "meta",
        ),
        (
            both("a module with only a buffer on 'meta'", "位于 'meta'、只有一个 buffer 的模块"),
            "a module with only a buffer",
            "meta",
            "meta",
        ),
        (
            both("nn.ReLU() (no parameters, no buffers)", "nn.ReLU()（没有参数，也没有 buffer）"),
            "nn.ReLU()",
            "cpu",
            "cpu",
        ),
        (_moved_to("nn.Linear", str(device)), "nn.Linear", str(device), str(device)),
    ]
    places = sorted({"meta", "cpu", str(device)})
    for _ in range(24):  # models left where they were made or moved, drawn per job
        model, where = (
            _draw(
                rng, ("nn.Linear", "nn.Sequential(nn.ReLU(), nn.Linear)", "a module with only a buffer", "nn.ReLU()")
            ),
            _draw(rng, places),
        )
        cases.append((_moved_to(model, where), model, where, "cpu" if model == "nn.ReLU()" else where))
    seen = yield from _in_random_order(
        rng, [{"model": model, "sizes": [n_in, n_out], "where": where} for _, model, where, _ in cases]
    )
    for (what, _, _, expected), value in zip(cases, seen, strict=True):
        call = "model_device(" + what + ")"
        got = _as_device(value, call)
        want = torch.device(expected)
        same = got.type == want.type and (want.index is None or got.index == want.index)
        assert same, both(
            "{call} should be {want}, got {got}: {why}", "{call} 应为 {want}，实际是 {got}：{why}"
        ).format(call=call, want=want, got=got, why=why)


# --- predict --------------------------------------------------------------------------------------


def _prediction(out, model_moved, what: Text):
    """predict's output, once the model is seen to have stayed where it was."""
    call = "predict(" + what + ")"
    assert not model_moved, both(
        "{call} moved the model to another device (model.to(...)): leave the model where it is and "
        "move x to the model's device; moving a model costs far more than moving a batch, and the caller's model "
        "would end up somewhere else",
        "{call} 把模型移到了另一个设备上（model.to(...)）：模型应留在原处，把 x 移到模型所在的设备上；"
        "移动模型的开销远大于移动一个批次，而且调用者的模型会被挪到别处",
    ).format(call=call)
    if isinstance(out, Raised) and out.type == "RuntimeError" and "device" in out.message:
        first = out.message.splitlines()[0][:160].rstrip(".!")
        raise AssertionError(
            both(
                "{call} failed: {first}. The model and its input must be on "
                "the same device: move x to the model's device before calling the model, and keep the result "
                "(x = x.to(...)): a tensor's .to() returns a moved copy",
                "{call} 出错，RuntimeError: {first}。模型和它的输入必须在同一个设备上：调用模型之前，先把 x 移到模型所在的设备上，"
                "并保留返回值（x = x.to(...)）：张量的 .to() 返回的是移动后的副本",
            ).format(call=call, first=first)
        )
    return expect.returned(out, name=call)


def test_predict_follows_model(rng):
    """predict runs on the model's device even when the input is elsewhere
    即使输入在别的设备上，predict 也在模型所在的设备上运行"""
    n, rows, cols, n_out = (int(size) for size in torch.randint(2, 6, (4,), generator=rng))
    x = torch.randn(n, rows, cols, generator=rng)
    seen = yield {"x": x, "out_features": n_out}
    what = both("a model on 'meta', x on the CPU", "模型在 'meta' 上、x 在 CPU 上")
    out = _prediction(seen["x_on_cpu"]["out"], seen["x_on_cpu"]["model_moved"], what)
    expect.device(
        out,
        "meta",
        name=both("predict(model on 'meta', x on the CPU)", "predict(模型在 'meta' 上、x 在 CPU 上)"),
        why=both(
            "the output comes from the model's device: move x there, not the model to x",
            "输出来自模型所在的设备：应把 x 移过去，而不是把模型移到 x 那里",
        ),
    )
    expect.shape(
        out,
        (n, n_out),
        name=both(
            f"predict(model on 'meta', x of shape {(n, rows, cols)})",
            f"predict(模型在 'meta' 上、x 的形状为 {(n, rows, cols)})",
        ),
    )
    out = _prediction(
        seen["x_on_meta"]["out"],
        seen["x_on_meta"]["model_moved"],
        both("a model on 'meta', x already on 'meta'", "模型在 'meta' 上、x 已在 'meta' 上"),
    )
    expect.device(
        out, "meta", name=both("predict(model on 'meta', x on 'meta')", "predict(模型在 'meta' 上、x 在 'meta' 上)")
    )
    relu_on_cpu = both("nn.ReLU(), x on the CPU", "nn.ReLU()、x 在 CPU 上")
    out = _prediction(seen["relu"]["out"], seen["relu"]["model_moved"], relu_on_cpu)
    expect.matches(
        out,
        torch.relu(x),
        name="predict(" + relu_on_cpu + ")",
        why=both(
            "a model without parameters counts as on the CPU, so x stays there",
            "没有参数的模型算作在 CPU 上，所以 x 留在 CPU 上",
        ),
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
    out = _prediction(seen, False, both(f"a model on {where!r}, x on the CPU", f"模型在 {where!r} 上、x 在 CPU 上"))
    expect.device(
        out,
        device,
        name=both(f"predict(model on {where!r}, x on the CPU)", f"predict(模型在 {where!r} 上、x 在 CPU 上)"),
    )
    expect.close(
        out,
        expected,
        name=both(f"predict(model on {where!r}, x)", f"predict(模型在 {where!r} 上、x)"),
        rtol=1e-3,
        atol=1e-4,
        why=both(
            "the same model on another device should compute the same values",
            "同一个模型换到另一个设备上应算出相同的数值",
        ),
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
        ("mps:0", torch.bfloat16),
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
                both(
                    "{call} raised RuntimeError{at}: torch.device({where}) cannot be built without "
                    "torch_npu / torch_mlu. Compare the device type as a string: str(device).split(':')[0]",
                    "{call} 抛出了 RuntimeError{at}：没有 torch_npu / torch_mlu 时无法构造 torch.device({where})。"
                    "请把设备类型当作字符串来比较：str(device).split(':')[0]",
                ).format(call=call, at=_at(got), where=repr(str(where)))
            )
        expect.returned(got, name=call)
        expected = torch.float32 if (str(where).split(":")[0], dtype) == ("mps", torch.float64) else dtype
        why = (
            both("Apple's MPS has no float64: use float32 there", "Apple 的 MPS 不支持 float64：在 MPS 上请用 float32")
            if expected != dtype
            else both(
                "only float64 on MPS changes; every other device and dtype is returned as it is",
                "只有 MPS 上的 float64 需要替换；其他设备和 dtype 都原样返回",
            )
        )
        assert got == expected, both(
            "{call} should be {expected}, got {got}. {why}", "{call} 应为 {expected}，实际是 {got}。{why}"
        ).format(call=call, expected=expected, got=got, why=why)
