"""Exercise halves of the devices checks: run in the grading child, call the learner's code on the
judge's inputs and return what happened. Nothing here decides; test_devices.py judges.

The pick_device exercises pretend accelerators exist (monkeypatching the availability functions and
faking torch.npu / torch.mlu / torch.accelerator), so they run on any machine, CPU-only included: the
judge names each situation, this file sets it up and reports what pick_device() returned in it.
Models cannot travel, so the judge names them (and sends their numbers) and they are built here.
"""

import importlib.machinery
import sys
import types
from types import SimpleNamespace

import torch
from torch import nn

from grader.exercise import attempt
from grader.observations import Raised


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


def _simulate(monkeypatch, available, new_torch, built, installed):
    """Pretend that exactly the accelerator types in `available` exist.

    new_torch=False pretends to be a torch older than 2.6, which has no torch.accelerator.
    built: the accelerator this torch was built for (None: a CPU-only build). Like the real
    torch.accelerator, current_accelerator() reports it even where no such card is present (a CUDA
    build on a machine without a GPU), while is_available() says False.
    installed: "npu" / "mlu" whose plug-in is installed on a machine without its card: torch.npu
    exists there, and its is_available() says False.
    """
    available = set(available)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: "cuda" in available)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: int("cuda" in available))
    # a CUDA build on a machine without a GPU: built, not available (as for MPS below)
    monkeypatch.setattr(torch.backends.cuda, "is_built", lambda: "cuda" in available or built == "cuda")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: "mps" in available)
    # torch.mps.is_available() (newer torch) asks the same question as torch.backends.mps.is_available().
    if hasattr(torch.mps, "is_available"):
        monkeypatch.setattr(torch.mps, "is_available", lambda: "mps" in available)
    if hasattr(torch.mps, "device_count"):
        monkeypatch.setattr(torch.mps, "device_count", lambda: int("mps" in available))
    # A torch built with MPS on a Mac that cannot use it (an Intel Mac, an old macOS): built, not available.
    monkeypatch.setattr(torch.backends.mps, "is_built", lambda: "mps" in available or built == "mps")
    if hasattr(torch, "xpu"):
        monkeypatch.setattr(torch.xpu, "is_available", lambda: "xpu" in available)
        monkeypatch.setattr(torch.xpu, "device_count", lambda: int("xpu" in available))
    for kind in ("npu", "mlu"):
        if kind in available or kind in installed:
            # What torch_npu / torch_mlu register: torch.npu (torch.mlu) with is_available() and friends.
            card = kind in available
            backend = SimpleNamespace(
                is_available=lambda card=card: card, device_count=lambda card=card: int(card), current_device=lambda: 0
            )
            package = types.ModuleType(f"torch_{kind}")
            # A spec, as an installed package has: importlib.util.find_spec("torch_npu") finds it.
            package.__spec__ = importlib.machinery.ModuleSpec(f"torch_{kind}", None)
            setattr(package, kind, backend)
            monkeypatch.setattr(torch, kind, backend, raising=False)
            monkeypatch.setitem(sys.modules, f"torch_{kind}", package)
        else:
            monkeypatch.delattr(torch, kind, raising=False)
            # None in sys.modules: `import torch_npu` raises ModuleNotFoundError and
            # importlib.util.find_spec("torch_npu") says None, as where torch_npu is not installed.
            monkeypatch.setitem(sys.modules, f"torch_{kind}", None)
    # torch.get_device_module("npu") finds torch.npu once torch_npu has registered the name; stock torch
    # cannot parse "npu" or "mlu" (a RuntimeError, which the real function raises here too)
    registered = {kind for kind in ("npu", "mlu") if kind in available or kind in installed}
    real_get_device_module = torch.get_device_module

    def get_device_module(device=None):
        kind = getattr(device, "type", device)
        return getattr(torch, kind) if kind in registered else real_get_device_module(device)

    monkeypatch.setattr(torch, "get_device_module", get_device_module)
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


def _picks(solution, monkeypatch, situations):
    """pick_device()'s answer (or what it raised) in each simulated situation."""
    seen = []
    for situation in situations:
        with monkeypatch.context() as patch:
            _simulate(patch, situation["available"], situation["new_torch"], situation["built"], situation["installed"])
            seen.append(attempt(solution.pick_device))
    return seen


def test_pick_device_cpu_fallback(solution, inputs, monkeypatch):
    return _picks(solution, monkeypatch, inputs)


def test_pick_device_each_backend(solution, inputs, monkeypatch):
    return _picks(solution, monkeypatch, inputs)


def test_pick_device_npu_mlu(solution, inputs, monkeypatch):
    return _picks(solution, monkeypatch, inputs)


def test_pick_device_priority(solution, inputs, monkeypatch):
    return _picks(solution, monkeypatch, inputs)


def test_pick_device_old_torch(solution, inputs, monkeypatch):
    return _picks(solution, monkeypatch, inputs)


def test_pick_device_other_accelerator(solution, inputs, monkeypatch):
    return _picks(solution, monkeypatch, inputs)


def test_pick_device_real(solution, inputs):
    got = attempt(solution.pick_device)
    # The judge's values moved to the answer show whether it names a device this machine can use.
    made = None if isinstance(got, Raised) else attempt(inputs.to, str(got))
    return {"got": got, "made": made}


def _gradient_through(out, weights):
    """weights.grad after a backward pass through its moved copy, out["extra"][0] (or what that raised)."""

    def backward():
        out["extra"][0].sum().backward()
        return weights.grad

    return attempt(backward)


def test_move_batch_nested(solution, inputs):
    seen = []
    for case in inputs:
        batch = case["batch"]
        out = attempt(solution.move_batch, batch, case["target"])
        seen.append({"out": out, "batch_after": batch})
    return seen


def test_move_batch_real(solution, inputs):
    batch = inputs["batch"]
    weights = batch["extra"][0]
    out = attempt(solution.move_batch, batch, inputs["target"])
    return {"out": out, "batch_after": batch, "weights_grad": _gradient_through(out, weights)}


def _buffered(size):
    module = nn.Module()
    module.register_buffer("table", torch.zeros(size))
    return module


# The models the judge names, built from its sizes.
MODELS = {
    "nn.Linear": lambda n_in, n_out: nn.Linear(n_in, n_out),
    "nn.Sequential(nn.ReLU(), nn.Linear)": lambda n_in, n_out: nn.Sequential(nn.ReLU(), nn.Linear(n_in, n_out)),
    "a module with only a buffer": lambda n_in, n_out: _buffered(n_in),
    "nn.ReLU()": lambda n_in, n_out: nn.ReLU(),
}


def test_model_device(solution, inputs):
    seen = []
    for case in inputs:
        model = MODELS[case["model"]](*case["sizes"]).to(case["where"])
        seen.append(attempt(solution.model_device, model))
    return seen


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


def test_predict_follows_model(solution, inputs):
    x = inputs["x"]
    layer = _MetaLayer(x[0].numel(), inputs["out_features"])
    model = nn.Sequential(nn.Flatten(), layer)
    seen = {}
    for key, data in (("x_on_cpu", x), ("x_on_meta", x.to("meta"))):
        out = attempt(solution.predict, model, data)
        seen[key] = {"out": out, "model_moved": layer.moved_away}
    seen["relu"] = {"out": attempt(solution.predict, nn.ReLU(), x), "model_moved": False}
    return seen


def test_predict_real(solution, inputs, device):
    (w1, b1), (w2, b2) = inputs["layers"]
    model = nn.Sequential(nn.Linear(w1.shape[1], w1.shape[0]), nn.Tanh(), nn.Linear(w2.shape[1], w2.shape[0]))
    with torch.no_grad():
        for layer, (w, b) in zip((model[0], model[2]), inputs["layers"]):
            layer.weight.copy_(w)
            layer.bias.copy_(b)
    model.to(device)
    return attempt(solution.predict, model, inputs["x"])


def test_supported_dtype(solution, inputs):
    return [attempt(solution.supported_dtype, where, dtype) for where, dtype in inputs]
