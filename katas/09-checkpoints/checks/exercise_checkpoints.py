"""Exercise halves of the checkpoints checks: run in the grading child, where the learner's code
writes and reads real files in `tmp_path`; each returns what was written, loaded or returned.
Nothing here decides; test_checkpoints.py judges, from the states it sent.

Models cannot travel, so the judge sends their state_dicts and `_net` builds them here (the same
architecture as in test_checkpoints.py). The safety checks write a file that, unpickled without
weights_only=True, calls `_payload`: it writes a marker file beside it, the trace any hidden code
leaves, and the exercise reports whether that marker exists. Each loader meets that file twice:
with this torch's default, and as on torch 2.4 / 2.5 through TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD,
which turns the default to weights_only=False only where weights_only is not passed.
"""

import torch
import torch._dynamo  # noqa: F401 - building any optimizer imports it (~2 s); import it once, before the fork
from torch import nn

from grader.exercise import attempt

_BEFORE_2_6 = "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"


class _Watched(nn.Sequential):
    """nn.Sequential that records a move to another device (model.cpu(), model.to("cpu"), ...).

    On a CPU grader such a move changes nothing visible, so each one is tried on a "meta" probe: a
    function that copies the probe off "meta" would move the model's tensors to another device on a GPU."""

    moved_away = False

    def _apply(self, fn, recurse=True):
        try:
            stays = fn(torch.empty(0, device="meta")).device.type == "meta"
        except Exception:  # copying out of "meta" raises (.cpu(), .to("cpu"), .cuda() on a CPU-only torch)
            stays = False
        self.moved_away = self.moved_away or not stays
        return super()._apply(fn, recurse)


def _net(state, kind=nn.Sequential):
    """The checks' model (parameters and BatchNorm buffers), holding `state`."""
    net = kind(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    net.to(state["0.weight"].dtype)
    net.load_state_dict(state)
    return net


def _plain(state):
    """Fresh copies of the judge's tensors, fit for torch.save (a decoded tensor carries an attribute)."""
    return {key: value.detach().clone() for key, value in state.items()}


def _state(model):
    return {key: value.detach().clone() for key, value in model.state_dict().items()}


# Each run of a trapped file's hidden code, counted in this process: no file the learner's code could
# delete afterwards, as a marker file next to the checkpoint could be.
_HIDDEN_CODE_RUNS: list[int] = []


def _payload(state):
    """What a booby-trapped file runs when unpickled without weights_only=True."""
    _HIDDEN_CODE_RUNS.append(1)
    return state


class _Trap:
    """Unpickles by calling _payload: stands for any code hidden in a downloaded checkpoint."""

    def __init__(self, state):
        self.state = state

    def __reduce__(self):
        return _payload, (self.state,)


def _meet_trap(monkeypatch, tmp_path, content, call):
    """Write a trapped file holding `content`, hand it to call(path): did the hidden code run, each way?"""
    path = tmp_path / "downloaded.pt"
    torch.save(_Trap(content), path)
    seen = {}
    for mode in ("default", "before-2.6"):
        ran_before = len(_HIDDEN_CODE_RUNS)
        with monkeypatch.context() as patch:
            if mode == "before-2.6":
                patch.setenv(_BEFORE_2_6, "1")
            out = attempt(call, path)
        seen[mode] = {"ran": len(_HIDDEN_CODE_RUNS) > ran_before, "out": out}
    return seen


def _load_file(path):
    """What the file holds, read as safely as the README asks; `Raised` if torch refuses it."""
    return attempt(torch.load, path, weights_only=True) if path.is_file() else None


def test_save_weights_writes_state_dict(solution, inputs, tmp_path):
    seen = []
    for case in inputs:
        path = tmp_path / f"weights-{case['dtype']}.pt".replace("torch.", "")
        net = _net(case["state"], kind=_Watched)
        out = attempt(solution.save_weights, net, path)
        seen.append({"out": out, "wrote": path.is_file(), "loaded": _load_file(path), "moved": net.moved_away})
    return seen


def test_load_weights_round_trip(solution, inputs, tmp_path):
    path = tmp_path / "weights.pt"
    torch.save(_plain(inputs["trained"]), path)
    fresh = _net(inputs["fresh"])
    result = attempt(solution.load_weights, fresh, path)
    fresh.eval()
    with torch.no_grad():
        out = fresh(inputs["x"])
    return {
        "result": result,
        "result_type": type(result).__name__,
        "is_model": result is fresh,
        "state": _state(fresh),
        "out": out,
    }


def test_load_weights_is_safe(solution, inputs, tmp_path, monkeypatch):
    trap = _meet_trap(
        monkeypatch,
        tmp_path,
        _plain(inputs["trained"]),
        lambda path: solution.load_weights(_net(inputs["fresh"]), path),
    )
    honest_path = tmp_path / "honest.pt"
    torch.save(_plain(inputs["trained"]), honest_path)
    fresh = _net(inputs["fresh"])
    return {"trap": trap, "honest": attempt(solution.load_weights, fresh, honest_path), "state": _state(fresh)}


def test_load_weights_strict(solution, inputs, tmp_path):
    seen = {}
    for name in ("other", "extra", "matching"):
        path = tmp_path / f"{name}.pt"
        torch.save(_plain(inputs[name]), path)
        model = _net(inputs["fresh"])
        seen[name] = {"out": attempt(solution.load_weights, model, path), "state": _state(model)}
    return seen


def _adam(model, lr, state=None):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    if state is not None:  # the judge's moments and step counts, in this optimizer's own param_groups
        optimizer.load_state_dict({"state": state, "param_groups": optimizer.state_dict()["param_groups"]})
    return optimizer


def test_save_checkpoint_contents(solution, inputs, tmp_path):
    net = _net(inputs["model"])
    path = tmp_path / "ckpt.pt"
    out = attempt(solution.save_checkpoint, path, net, _adam(net, inputs["lr"], inputs["optimizer"]), inputs["epoch"])
    return {"out": out, "wrote": path.is_file(), "loaded": _load_file(path)}


def _steps(net, optimizer, batches):
    for x, y in batches:
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        optimizer.step()


def test_resume_matches_uninterrupted(solution, inputs, tmp_path, device):
    batches = [(x.to(device), y.to(device)) for x, y in inputs["batches"]]
    first = _net(inputs["start"]).to(device)
    optimizer = _adam(first, inputs["lr"])
    _steps(first, optimizer, batches[:3])
    path = tmp_path / "ckpt.pt"
    saved = attempt(solution.save_checkpoint, path, first, optimizer, inputs["epoch"])
    resumed = _net(inputs["other"]).to(device)  # a new process would start from fresh objects
    optimizer = _adam(resumed, inputs["lr"])
    epoch = attempt(solution.load_checkpoint, path, resumed, optimizer)
    # The optimizer updates the parameter objects it was built with: are they still the model's?
    held = [p for group in optimizer.param_groups for p in group["params"]]
    kept = len(held) == len(list(resumed.parameters())) and all(p is q for p, q in zip(held, resumed.parameters()))
    _steps(resumed, optimizer, batches[3:])
    return {"saved": saved, "epoch": epoch, "state": _state(resumed), "parameters_kept": kept}


def _checkpoint(state, epoch):
    net = _net(state)
    return {"model": _state(net), "optimizer": torch.optim.SGD(net.parameters(), lr=0.1).state_dict(), "epoch": epoch}


def _load_checkpoint(solution, state, path):
    """load_checkpoint into a fresh model and its optimizer: what it returned, and the model."""
    net = _net(state)
    return attempt(solution.load_checkpoint, path, net, torch.optim.SGD(net.parameters(), lr=0.1)), net


def test_load_checkpoint_is_safe(solution, inputs, tmp_path, monkeypatch):
    trap = _meet_trap(
        monkeypatch,
        tmp_path,
        _checkpoint(inputs["trained"], inputs["epoch"]),
        lambda path: _load_checkpoint(solution, inputs["fresh"], path)[0],
    )
    honest_path = tmp_path / "honest.pt"
    torch.save(_checkpoint(inputs["trained"], inputs["epoch"]), honest_path)
    epoch, net = _load_checkpoint(solution, inputs["fresh"], honest_path)
    return {"trap": trap, "honest": epoch, "state": _state(net)}


def test_load_checkpoint_strict(solution, inputs, tmp_path):
    prefixed = _checkpoint(inputs["trained"], inputs["epoch"])
    prefixed["model"] = {f"module.{key}": value for key, value in prefixed["model"].items()}
    prefixed_path = tmp_path / "from_data_parallel.pt"
    torch.save(prefixed, prefixed_path)
    matching_path = tmp_path / "matching.pt"
    torch.save(_checkpoint(inputs["trained"], inputs["epoch"]), matching_path)
    matching, net = _load_checkpoint(solution, inputs["fresh"], matching_path)
    return {
        "prefixed": _load_checkpoint(solution, inputs["fresh"], prefixed_path)[0],
        "matching": matching,
        "state": _state(net),
    }


def _gpu_saved_file(state, path, monkeypatch):
    """A state_dict file whose tensors are tagged as saved on a GPU, made without a GPU.

    The tag is a GPU index no grading machine has (cuda:63), so loading without map_location fails
    on a GPU machine too, just as a file from a big multi-GPU server would."""
    with monkeypatch.context() as patch:
        patch.setattr(torch.serialization, "location_tag", lambda storage: "cuda:63")
        torch.save(_plain(state), path)


def test_load_to_device(solution, inputs, tmp_path, monkeypatch):
    path = tmp_path / "from_gpu.pt"
    _gpu_saved_file(inputs["state"], path, monkeypatch)
    return [attempt(solution.load_to_device, path, target) for target in inputs["targets"]]


def test_load_to_device_is_safe(solution, inputs, tmp_path, monkeypatch):
    trap = _meet_trap(monkeypatch, tmp_path, _plain(inputs["state"]), lambda path: solution.load_to_device(path, "cpu"))
    honest_path = tmp_path / "honest.pt"
    torch.save(_plain(inputs["state"]), honest_path)
    return {"trap": trap, "honest": attempt(solution.load_to_device, honest_path, "cpu")}


def _strip(solution, case):
    """strip_prefix on the judge's dict: what it returned, and whether the dict given stayed as it was."""
    state = dict(case["state"])
    before = [(key, id(value)) for key, value in state.items()]
    prefix = case["prefix"]
    out = attempt(solution.strip_prefix, state) if prefix is None else attempt(solution.strip_prefix, state, prefix)
    unchanged = [(key, id(value)) for key, value in state.items()] == before
    return {"out": out, "given_unchanged": unchanged, "given_keys": list(state)}


def test_strip_prefix(solution, inputs):
    return [_strip(solution, case) for case in inputs]


def test_strip_prefix_only_at_start(solution, inputs):
    return _strip(solution, inputs)
