"""Hidden checks for the devices kata. Each docstring: English title, then Chinese title.

The pick_device checks pretend accelerators exist (monkeypatching the availability functions and
faking torch.npu / torch.mlu / torch.accelerator), so they run on any machine, CPU-only included.
The "meta" device (shapes and dtypes, no data) stands in for a second device; the *_real checks
use the device this run grades on (the `device` fixture), so they run for real on an accelerator.
"""

import copy
import importlib.abc
import sys
import types
from types import SimpleNamespace

import torch
from torch import nn

from grader import expect

# The documented priority of pick_device (exercise 1).
ORDER = ("cuda", "mps", "xpu", "npu", "mlu")


class _FakeDevice:
    """What a fake torch.accelerator.current_accelerator() returns for a type stock torch cannot build."""

    def __init__(self, kind):
        self.type = kind
        self.index = None

    def __str__(self):
        return self.type

    __repr__ = __str__


def _device_object(kind):
    try:
        return torch.device(kind)
    except RuntimeError:  # "npu" / "mlu" without torch_npu / torch_mlu
        return _FakeDevice(kind)


class _NotInstalled(importlib.abc.MetaPathFinder):
    """Makes `import torch_npu` / `import torch_mlu` fail as on a machine without them."""

    def __init__(self, names):
        self.names = set(names)

    def find_spec(self, name, path=None, target=None):
        if name in self.names:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def _simulate(monkeypatch, available, new_torch=True, built=None):
    """Pretend that exactly the accelerator types in `available` exist.

    new_torch=False pretends to be a torch older than 2.6, which has no torch.accelerator.
    built: the accelerator this torch was built for (default: the first one available). Like the real
    torch.accelerator, current_accelerator() reports it even where no such card is present (a CUDA
    build on a machine without a GPU), while is_available() says False.
    """
    available = set(available)
    first = next((kind for kind in ORDER if kind in available), None) or next(iter(sorted(available)), None)
    built = built or first
    monkeypatch.setattr(torch.cuda, "is_available", lambda: "cuda" in available)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: int("cuda" in available))
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: "mps" in available)
    monkeypatch.setattr(torch.backends.mps, "is_built", lambda: "mps" in available)
    if hasattr(torch, "xpu"):
        monkeypatch.setattr(torch.xpu, "is_available", lambda: "xpu" in available)
        monkeypatch.setattr(torch.xpu, "device_count", lambda: int("xpu" in available))
    missing = []
    for kind in ("npu", "mlu"):
        if kind in available:
            # What torch_npu / torch_mlu register: torch.npu (torch.mlu) with is_available() and friends.
            backend = SimpleNamespace(is_available=lambda: True, device_count=lambda: 1, current_device=lambda: 0)
            package = types.ModuleType(f"torch_{kind}")
            setattr(package, kind, backend)
            monkeypatch.setattr(torch, kind, backend, raising=False)
            monkeypatch.setitem(sys.modules, f"torch_{kind}", package)
        else:
            monkeypatch.delattr(torch, kind, raising=False)
            monkeypatch.delitem(sys.modules, f"torch_{kind}", raising=False)
            missing.append(f"torch_{kind}")
    monkeypatch.setattr(sys, "meta_path", [_NotInstalled(missing)] + list(sys.meta_path))
    if new_torch:
        present = built is not None and built in available

        def current_accelerator(check_available=False):
            if built is None or (check_available and not present):
                return None
            return _device_object(built)

        accelerator = SimpleNamespace(
            is_available=lambda: present,
            current_accelerator=current_accelerator,
            device_count=lambda: int(present),
            current_device_index=lambda: 0 if present else -1,
        )
        monkeypatch.setattr(torch, "accelerator", accelerator, raising=False)
    else:
        monkeypatch.delattr(torch, "accelerator", raising=False)


def _describe(available, new_torch=True, built=None):
    what = " and ".join(sorted(available)) if available else "no accelerator"
    build = f" on a torch built for {built} (torch.accelerator.current_accelerator() says {built!r})" if (
        built and built not in available) else ""
    return f"with {what} available{build}" + ("" if new_torch else " on a torch without torch.accelerator")


def _pick(solution, available, new_torch=True, built=None):
    """pick_device()'s device type ("cuda", "npu", ...) in a simulated machine."""
    situation = _describe(available, new_torch, built)
    try:
        got = solution.pick_device()
    except NotImplementedError:
        raise  # not started: a RuntimeError, but nothing to explain
    except AttributeError as exc:
        raise AssertionError(
            f"pick_device() {situation} raised AttributeError: {exc}. torch.npu, torch.mlu and "
            "torch.accelerator only exist on some installs: check with hasattr(torch, 'npu') or "
            "getattr(torch, 'npu', None) before calling them"
        ) from None
    except RuntimeError as exc:
        if "Expected one of" in str(exc):
            raise AssertionError(
                f"pick_device() {situation} raised RuntimeError (\"Expected one of cpu, cuda, ...\"): "
                "torch.device('npu') or torch.device('mlu') cannot be built on a torch without torch_npu / "
                "torch_mlu loaded. Return the string instead, e.g. 'npu'"
            ) from None
        raise
    if not isinstance(got, (str, torch.device)):
        raise AssertionError(f"pick_device() should return a string such as 'cuda', got {type(got).__name__}: {got!r}")
    return str(got).split(":")[0]


def _expect_pick(solution, available, expected, why, new_torch=True, built=None):
    got = _pick(solution, available, new_torch, built)
    assert got == expected, (
        f"pick_device() {_describe(available, new_torch, built)} should return {expected!r}, got {got!r}. {why}"
    )


def test_pick_device_cpu_fallback(solution, monkeypatch):
    """pick_device falls back to "cpu" when no accelerator exists
    没有任何加速器时，pick_device 退回到 "cpu" 设备"""
    for built in (None, "cuda", "hpu"):
        why = "Nothing is available, so the answer is the CPU."
        if built:
            why += (" torch.accelerator.current_accelerator() names the accelerator torch was built for even where "
                    "no such card is present: ask torch.accelerator.is_available() first")
        with monkeypatch.context() as patch:
            _simulate(patch, set(), built=built)
            _expect_pick(solution, set(), "cpu", why, built=built)


def test_pick_device_each_backend(solution, monkeypatch):
    """pick_device finds CUDA, MPS and XPU
    pick_device 能找到 CUDA、MPS 和 XPU"""
    for kind, how in (("cuda", "torch.cuda.is_available()"), ("mps", "torch.backends.mps.is_available()"),
                      ("xpu", "torch.xpu.is_available()")):
        with monkeypatch.context() as patch:
            _simulate(patch, {kind})
            _expect_pick(solution, {kind}, kind, f"Ask {how}; the CUDA-only one-liner misses this card.")


def test_pick_device_npu_mlu(solution, monkeypatch):
    """pick_device finds Ascend NPU and Cambricon MLU and returns them as strings
    pick_device 能找到昇腾 NPU 和寒武纪 MLU，并以字符串返回"""
    for kind, package in (("npu", "torch_npu"), ("mlu", "torch_mlu")):
        with monkeypatch.context() as patch:
            _simulate(patch, {kind})
            _expect_pick(solution, {kind}, kind,
                         f"With {package} installed, torch.{kind}.is_available() says whether the card is there.")


def test_pick_device_priority(solution, monkeypatch):
    """pick_device follows the priority cuda > mps > xpu > npu > mlu
    pick_device 遵循优先级 cuda > mps > xpu > npu > mlu"""
    for available in ({"cuda", "xpu"}, {"cuda", "npu"}, {"mps", "mlu"}, {"xpu", "npu"}, {"npu", "mlu"}):
        expected = next(kind for kind in ORDER if kind in available)
        with monkeypatch.context() as patch:
            _simulate(patch, available)
            _expect_pick(solution, available, expected,
                         "Check the devices in the documented order and return the first one available.")


def test_pick_device_old_torch(solution, monkeypatch):
    """pick_device works on a torch without torch.accelerator
    在没有 torch.accelerator 的旧版 torch 上，pick_device 也能工作"""
    why = "torch.accelerator only exists from torch 2.6: use it only if hasattr(torch, 'accelerator')."
    for available, expected in ((set(), "cpu"), ({"cuda"}, "cuda"), ({"npu"}, "npu")):
        with monkeypatch.context() as patch:
            _simulate(patch, available, new_torch=False)
            _expect_pick(solution, available, expected, why, new_torch=False)


def test_pick_device_other_accelerator(solution, monkeypatch):
    """pick_device returns any other accelerator torch.accelerator reports
    pick_device 返回 torch.accelerator 报告的其他加速器"""
    with monkeypatch.context() as patch:
        _simulate(patch, {"hpu"})
        _expect_pick(solution, {"hpu"}, "hpu",
                     "After the named backends, ask torch.accelerator.is_available() and return "
                     "torch.accelerator.current_accelerator().type.")


def _real_choice():
    """The exercise's priority, asked of the real machine."""
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    for kind in ("xpu", "npu", "mlu"):
        backend = getattr(torch, kind, None)
        if backend is not None and backend.is_available():
            return kind
    accelerator = getattr(torch, "accelerator", None)
    if accelerator is not None and accelerator.is_available():
        return accelerator.current_accelerator().type
    return "cpu"


def test_pick_device_real(solution):
    """pick_device picks a device that really exists on this machine
    pick_device 选中本机真实存在的设备"""
    expected = _real_choice()
    got = solution.pick_device()
    assert isinstance(got, (str, torch.device)), (
        f"pick_device() should return a string such as 'cuda', got {type(got).__name__}: {got!r}")
    assert str(got).split(":")[0] == expected, (
        f"on this machine pick_device() should return {expected!r}, got {str(got)!r}. "
        "Ask each backend whether it is available instead of assuming one."
    )
    torch.zeros(2, device=str(got)).sum().item()  # the answer must be usable as a device


def _check_moved(got, want, target, path):
    """Structure, types and placement of move_batch's result, with the path of the first difference."""
    if isinstance(want, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            raise AssertionError(f"{path} should be a tensor, got {type(got).__name__}")
        expect.device(got, target, name=path, why="every tensor in the batch must be moved with .to(device)")
        expect.shape(got, want.shape, name=path)
        expect.dtype(got, want.dtype, name=path, why="moving must not change the dtype")
    elif isinstance(want, dict):
        if not isinstance(got, dict):
            raise AssertionError(f"{path} should be a dict, got {type(got).__name__}: keep the batch's structure")
        if set(got) != set(want):
            raise AssertionError(f"{path} should have keys {sorted(want)}, got {sorted(got)}")
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
            "numbers and None come back as they were")
    elif not (got is want or got == want):
        raise AssertionError(f"{path} is not a tensor and should be kept as {want!r}, got {got!r}")


def _first_change(now, before, path):
    """The path of the first tensor or container in `now` that differs in place or shape from `before`, or None."""
    if isinstance(before, torch.Tensor):
        return None if isinstance(now, torch.Tensor) and now.device == before.device else path
    if isinstance(before, dict):
        if not isinstance(now, dict) or list(now) != list(before):
            return path
        return next((c for k in before if (c := _first_change(now[k], before[k], f"{path}[{k!r}]"))), None)
    if isinstance(before, (list, tuple)):
        if type(now) is not type(before) or len(now) != len(before):
            return path
        return next((c for i, (n, b) in enumerate(zip(now, before)) if (c := _first_change(n, b, f"{path}[{i}]"))),
                    None)
    return None


def _move(solution, batch, device, what):
    """move_batch(batch, device), checking that the batch passed in is left as it was."""
    before = copy.deepcopy(batch)  # taken before the learner's code runs
    try:
        out = solution.move_batch(batch, device)
    except AttributeError as exc:
        if "'to'" in str(exc):
            raise AssertionError(
                f"move_batch({what}, {str(device)!r}) raised AttributeError: {exc}. Only tensors have .to(); "
                "walk the dict / list / tuple and move each tensor inside it"
            ) from None
        raise
    changed = _first_change(batch, before, "batch")
    assert changed is None, (
        f"move_batch({what}, {str(device)!r}) changed the batch it was given ({changed} is no longer as it was): "
        "build new dicts / lists / tuples for the result instead of assigning into the caller's containers"
    )
    return out, before


def test_move_batch_nested(solution):
    """move_batch moves every tensor of a nested dict / list / tuple batch and keeps its structure
    move_batch 移动嵌套的 dict / list / tuple 批次中的每个张量，并保持结构不变"""
    g = torch.Generator().manual_seed(7)
    cases = (
        ("a tensor", torch.rand(3, 4, generator=g), "meta"),
        ("a dict batch", {
            "image": torch.rand(2, 1, 5, 3, generator=g),
            "label": torch.tensor([3, 1]),
            "info": {
                "ids": [torch.arange(2), torch.zeros(2, dtype=torch.float64)],
                "source": "mnist",
                "pair": (torch.ones(3), 7, None),
            },
        }, "meta"),
        ("(images, labels)", (torch.rand(2, 3, generator=g), torch.tensor([0, 1])), torch.device("meta")),
        ("a list", [torch.rand(2, generator=g), "keep me", 3.5, [torch.ones(1, dtype=torch.int64)]], "meta"),
        ("an empty dict", {}, "meta"),
    )
    for what, batch, target in cases:
        out, before = _move(solution, batch, target, what)
        _check_moved(out, before, "meta", f"move_batch({what})")


def test_move_batch_real(solution, device):
    """move_batch moves a batch to the graded device with its values intact
    move_batch 把批次移动到当前评测设备上，数值保持不变"""
    g = torch.Generator().manual_seed(8)
    weights = torch.randn(2, 3, generator=g, dtype=torch.float64, requires_grad=True)
    batch = {"x": torch.randn(4, 3, generator=g), "y": torch.randint(0, 5, (4,), generator=g),
             "extra": [weights]}
    where = str(device)
    out, before = _move(solution, batch, device, "a dict batch")
    _check_moved(out, before, device, f"move_batch(batch, {where!r})")
    for got, want, path in ((out["x"], before["x"], "['x']"), (out["y"], before["y"], "['y']"),
                            (out["extra"][0], before["extra"][0], "['extra'][0]")):
        expect.matches(got, want.to(device), name=f"move_batch(batch, {where!r}){path}",
                       why="moving a tensor keeps its values and dtype")
    moved = out["extra"][0]
    expect.requires_grad(moved, True, name=f"move_batch(batch, {where!r})['extra'][0] (moved from a tensor that "
                         "requires grad)", why=".to(device) keeps the autograd link; .detach() or .data cuts it")
    moved.sum().backward()
    expect.close(weights.grad, torch.ones_like(weights), name="the gradient reaching the original tensor",
                 why="the moved tensor should stay connected to the one in the batch")


def _as_device(value, call):
    try:
        return torch.device(value)
    except (TypeError, RuntimeError):
        raise AssertionError(f"{call} should return a torch.device, got {type(value).__name__}: {value!r}") from None


def test_model_device(solution, device):
    """model_device reports where a model's parameters (or buffers) live
    model_device 报告模型参数（或缓冲区）所在的设备"""
    why = "ask the model (its first parameter, else its first buffer) instead of assuming where it is"
    torch.manual_seed(9)
    buffered = nn.Module()
    buffered.register_buffer("table", torch.zeros(3, device="meta"))
    cases = (
        ("nn.Linear moved to 'meta'", nn.Linear(3, 2).to("meta"), "meta"),
        ("nn.Sequential(nn.ReLU(), nn.Linear) on 'meta'", nn.Sequential(nn.ReLU(), nn.Linear(2, 2)).to("meta"), "meta"),
        ("a module with only a buffer on 'meta'", buffered, "meta"),
        ("nn.ReLU() (no parameters, no buffers)", nn.ReLU(), "cpu"),
        (f"nn.Linear moved to {str(device)!r}", nn.Linear(3, 2).to(device), str(device)),
    )
    for what, model, expected in cases:
        got = _as_device(solution.model_device(model), f"model_device({what})")
        want = torch.device(expected)
        same = got.type == want.type and (want.index is None or got.index == want.index)
        assert same, f"model_device({what}) should be {want}, got {got}: {why}"


def _predict(solution, model, x, what):
    stay_put = [m for m in model.modules() if isinstance(m, _MetaLayer)]
    try:
        out = solution.predict(model, x)
    except RuntimeError as exc:
        _assert_not_moved(stay_put, what)
        if isinstance(exc, NotImplementedError):
            raise  # the stub, or a meta tensor asked for data: not a device mix-up to explain
        if "device" in str(exc):
            raise AssertionError(
                f"predict({what}) failed: {str(exc).splitlines()[0][:160].rstrip('.!')}. The model and its input must be on "
                "the same device: move x to the model's device before calling the model"
            ) from None
        raise
    _assert_not_moved(stay_put, what)
    return out


def _assert_not_moved(layers, what):
    assert not any(layer.moved_away for layer in layers), (
        f"predict({what}) moved the model to another device (model.to(...)): leave the model where it is and "
        "move x to the model's device; moving a model costs far more than moving a batch, and the caller's model "
        "would end up somewhere else"
    )


class _MetaLayer(nn.Module):
    """A linear-like layer on "meta" that, like a real layer, refuses input from another device.

    (Real arithmetic on meta tensors first imports torch's symbolic machinery, seconds of work; this
    layer only checks devices and shapes, which is all the check needs.) Moving it elsewhere is
    recorded in `moved_away` instead of done, since a meta tensor has no data to copy.
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features, device="meta"))
        self.moved_away = False

    def _apply(self, fn, recurse=True):
        try:
            stays = fn(torch.empty(0, device="meta")).device.type == "meta"
        except RuntimeError:  # copying out of "meta" raises (NotImplementedError is a RuntimeError)
            stays = False
        self.moved_away = self.moved_away or not stays
        return self

    def forward(self, x):
        if x.device != self.weight.device:
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{self.weight.device} and {x.device}!"
            )
        return x.new_empty(x.shape[0], self.weight.shape[0])


def test_predict_follows_model(solution):
    """predict runs on the model's device even when the input is elsewhere
    即使输入在别的设备上，predict 也在模型所在的设备上运行"""
    torch.manual_seed(10)
    x = torch.randn(4, 2, 3)
    model = nn.Sequential(nn.Flatten(), _MetaLayer(6, 2))
    out = _predict(solution, model, x, "a model on 'meta', x on the CPU")
    expect.device(out, "meta", name="predict(model on 'meta', x on the CPU)",
                  why="the output comes from the model's device: move x there, not the model to x")
    expect.shape(out, (4, 2), name="predict(model on 'meta', x of shape (4, 2, 3))")
    out = _predict(solution, model, x.to("meta"), "a model on 'meta', x already on 'meta'")
    expect.device(out, "meta", name="predict(model on 'meta', x on 'meta')")
    relu = nn.ReLU()
    expect.matches(_predict(solution, relu, x, "nn.ReLU(), x on the CPU"), torch.relu(x),
                   name="predict(nn.ReLU(), x on the CPU)",
                   why="a model without parameters counts as on the CPU, so x stays there")


def test_predict_real(solution, device):
    """predict gives the same answer on the graded device as on the CPU
    predict 在当前评测设备上的结果与 CPU 上一致"""
    torch.manual_seed(11)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))
    x = torch.randn(6, 5)
    with torch.no_grad():
        expected = model(x)
    model.to(device)
    out = _predict(solution, model, x, f"a model on {str(device)!r}, x on the CPU")
    expect.device(out, device, name=f"predict(model on {str(device)!r}, x on the CPU)")
    expect.close(out, expected, name=f"predict(model on {str(device)!r}, x)", rtol=1e-3, atol=1e-4,
                 why="the same model on another device should compute the same values")


def test_supported_dtype(solution):
    """supported_dtype swaps float64 for float32 on MPS only
    supported_dtype 只在 MPS 上把 float64 换成 float32"""
    cases = (
        ("mps", torch.float64, torch.float32), ("mps:0", torch.float64, torch.float32),
        (torch.device("mps"), torch.float64, torch.float32), ("mps", torch.float32, torch.float32),
        ("mps", torch.float16, torch.float16), ("mps", torch.int64, torch.int64),
        ("cpu", torch.float64, torch.float64), (torch.device("cuda", 1), torch.float64, torch.float64),
        ("cuda", torch.float32, torch.float32), ("npu", torch.float64, torch.float64),
        ("mlu:0", torch.float64, torch.float64), ("meta", torch.float64, torch.float64),
    )
    for where, dtype, expected in cases:
        call = f"supported_dtype({str(where)!r}, {dtype})"
        try:
            got = solution.supported_dtype(where, dtype)
        except NotImplementedError:
            raise
        except RuntimeError as exc:
            if "Expected one of" in str(exc):
                raise AssertionError(
                    f"{call} raised RuntimeError: torch.device({str(where)!r}) cannot be built without "
                    "torch_npu / torch_mlu. Compare the device type as a string: str(device).split(':')[0]"
                ) from None
            raise
        why = ("Apple's MPS has no float64: use float32 there" if expected != dtype
               else "only float64 on MPS changes; every other device and dtype is returned as it is")
        assert got == expected, f"{call} should be {expected}, got {got}. {why}"
