"""Hidden checks for the checkpoints kata. Each docstring: English title, then Chinese title.

The safety checks hand each loading function a file that calls a function when unpickled, once with
this torch's own default and once as on torch 2.4 / 2.5 (whose torch.load defaults to
weights_only=False), by setting TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD, which changes the default only
where weights_only is not passed. The "meta" device stands in for a GPU as load_to_device's target.
"""

import pickle

import pytest
import torch
import torch._dynamo  # noqa: F401 - building any optimizer imports it (~2 s); import it once, before the fork
from torch import nn
from torch.torch_version import TorchVersion

from grader import expect

_RAN = []  # set when a malicious-style payload is unpickled (see _assert_refuses_hidden_code)
_SAFE_DEFAULT = TorchVersion(torch.__version__) >= "2.6"  # torch.load defaults to weights_only=True


def _payload(state):
    """What a booby-trapped checkpoint runs when unpickled without weights_only=True."""
    _RAN.append(True)
    return state


class _Trap:
    """Unpickles by calling _payload: stands for any code hidden in a downloaded checkpoint."""

    def __init__(self, state):
        self.state = state

    def __reduce__(self):
        return _payload, (self.state,)


def _net(seed):
    """A small model with parameters and BatchNorm buffers."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))


def _trained_net(seed):
    """A net whose BatchNorm running statistics have moved away from their initial values."""
    net = _net(seed)
    g = torch.Generator().manual_seed(seed + 100)
    with torch.no_grad():
        for _ in range(3):
            net(torch.randn(16, 4, generator=g) * 3 + 1)  # train-mode forward updates the buffers
    return net


def _same_state(got, want, what):
    """Every key of `want` is in `got` with equal values, dtypes and devices (parameters and buffers)."""
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    assert not missing and not extra, (
        f"{what}: expected the keys {list(want)}, got {list(got)} (missing {missing}, unexpected {extra}); "
        "buffers such as BatchNorm's running_mean are part of model.state_dict(), not of parameters()"
    )
    for key, value in want.items():
        expect.matches(got[key], value, name=f"{what}[{key!r}]",
                       why="a state_dict is saved and loaded as it is: same dtype, same values")


def _state_copy(model):
    return {key: value.clone() for key, value in model.state_dict().items()}


def test_save_weights_writes_state_dict(solution, tmp_path):
    """save_weights writes the state_dict (parameters and buffers) as plain tensors
    save_weights 以普通张量保存 state_dict（参数与缓冲区）"""
    for dtype in (torch.float32, torch.float64):  # the int64 batch counter of BatchNorm rides along
        net = _trained_net(0).to(dtype)
        want = _state_copy(net)
        path = tmp_path / f"weights-{dtype}.pt".replace("torch.", "")
        solution.save_weights(net, path)
        assert path.is_file(), f"save_weights(model, path) should create the file {path.name}; no file was written"
        try:
            state = torch.load(path, weights_only=True)
        except pickle.UnpicklingError:
            raise AssertionError(
                "torch.load(path, weights_only=True) refused the file save_weights wrote: it holds pickled "
                "objects, not just tensors. Did you torch.save(model, ...)? Save model.state_dict() instead"
            ) from None
        assert isinstance(state, dict), (
            f"the saved file should hold a dict (the state_dict), got {type(state).__name__}; "
            "save model.state_dict(), not the model"
        )
        _same_state(state, want, f"the saved state_dict of a {dtype} model")


def test_load_weights_round_trip(solution, tmp_path):
    """load_weights restores every parameter and buffer of a fresh model
    load_weights 把每个参数和缓冲区恢复到一个新模型中"""
    trained = _trained_net(1)
    path = tmp_path / "weights.pt"
    torch.save(trained.state_dict(), path)
    fresh = _net(2)  # another seed: different weights, BatchNorm buffers at their defaults
    result = solution.load_weights(fresh, path)
    assert result is fresh, (
        f"load_weights(model, path) should return the model it loaded into, got {type(result).__name__}; "
        "note model.load_state_dict(...) returns a report of keys, not the model"
    )
    _same_state(fresh.state_dict(), trained.state_dict(), "the model's state_dict after load_weights")
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(3))
    trained.eval()
    fresh.eval()
    with torch.no_grad():
        expect.matches(fresh(x), trained(x), name="the reloaded model's output in eval mode",
                       why="eval mode uses BatchNorm's running statistics, so they must be restored too")


def _assert_refuses_hidden_code(monkeypatch, call, what):
    """call() loads a booby-trapped file; fail if the function hidden in it ran."""
    for as_before_2_6 in (False, True):
        _RAN.clear()
        with monkeypatch.context() as patch:
            if as_before_2_6:
                patch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
            try:
                call()
            except NotImplementedError:
                raise
            except Exception:  # noqa: BLE001 - refusing the file is exactly right
                pass
        if not _RAN:
            continue
        if as_before_2_6:
            raise AssertionError(
                f"{what} relies on torch.load's default: safe from torch 2.6, but torch 2.4 and 2.5 (which this "
                "course supports) default to weights_only=False and run the function hidden in the file. Pass "
                "weights_only=True yourself")
        raise AssertionError(
            f"{what} unpickled a file that runs a function while it loads"
            + (" even though this torch defaults to weights_only=True: is weights_only=False (or a pickle_module) "
               "passed?" if _SAFE_DEFAULT else "")
            + " A checkpoint from the internet could run any code this way. Load with "
              "torch.load(path, weights_only=True)")


def test_load_weights_is_safe(solution, tmp_path, monkeypatch):
    """load_weights refuses to run code hidden in a checkpoint (weights_only=True)
    load_weights 拒绝执行检查点中夹带的代码（weights_only=True）"""
    trained = _trained_net(4)
    path = tmp_path / "downloaded.pt"
    # pickle happily stores "call this function when loading": the reason for weights_only=True
    torch.save(_Trap(trained.state_dict()), path)
    _assert_refuses_hidden_code(monkeypatch, lambda: solution.load_weights(_net(5), path), "load_weights")


def test_load_weights_strict(solution, tmp_path):
    """load_weights raises on a file whose keys do not match the model
    load_weights 在文件的键与模型不匹配时报错"""
    other = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))  # no BatchNorm: keys differ
    path = tmp_path / "other.pt"
    torch.save(other.state_dict(), path)
    try:
        solution.load_weights(_net(6), path)
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - the README says "raise"; any error will do
        return
    raise AssertionError(
        "load_weights loaded a file from another architecture without an error (expected an error about "
        "missing/unexpected keys); strict=False hides such bugs: keep the default strict=True"
    )


def test_save_checkpoint_contents(solution, tmp_path):
    """save_checkpoint stores the model, the optimizer state and the epoch
    save_checkpoint 保存模型、优化器状态与 epoch"""
    net = _trained_net(7)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    g = torch.Generator().manual_seed(8)
    x, y = torch.randn(16, 4, generator=g), torch.randint(0, 3, (16,), generator=g)
    nn.functional.cross_entropy(net(x), y).backward()
    opt.step()
    want = _state_copy(net)
    path = tmp_path / "ckpt.pt"
    solution.save_checkpoint(path, net, opt, 7)
    try:
        checkpoint = torch.load(path, weights_only=True)
    except pickle.UnpicklingError:
        raise AssertionError(
            "torch.load(path, weights_only=True) refused the checkpoint: it holds pickled objects. "
            "Store model.state_dict() and optimizer.state_dict(), not the model or optimizer themselves"
        ) from None
    assert isinstance(checkpoint, dict), f"the checkpoint should be a dict, got {type(checkpoint).__name__}"
    keys = sorted(checkpoint)
    assert {"model", "optimizer", "epoch"} <= set(checkpoint), (
        f'the checkpoint should have the keys "model", "optimizer" and "epoch", got {keys}; '
        "forgetting the optimizer state makes a resumed run drift"
    )
    assert checkpoint["epoch"] == 7, f'checkpoint["epoch"] should be 7 (the epoch passed in), got {checkpoint["epoch"]!r}'
    _same_state(checkpoint["model"], want, 'checkpoint["model"]')
    saved_opt = checkpoint["optimizer"]
    assert isinstance(saved_opt, dict) and saved_opt.get("state"), (
        'checkpoint["optimizer"] should be optimizer.state_dict(), with Adam\'s per-parameter state '
        f"(step, exp_avg, exp_avg_sq); got {type(saved_opt).__name__} with keys {list(saved_opt)[:5] if isinstance(saved_opt, dict) else '-'}"
    )


def _steps(net, opt, batches):
    for x, y in batches:
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()


@pytest.mark.points(2)
def test_resume_matches_uninterrupted(solution, tmp_path, device):
    """Resuming from a checkpoint continues exactly like an uninterrupted run
    从检查点恢复后的训练与不中断的训练完全一致"""
    g = torch.Generator().manual_seed(9)
    batches = [(torch.randn(16, 4, generator=g).to(device), torch.randint(0, 3, (16,), generator=g).to(device))
               for _ in range(6)]

    straight = _net(10).to(device)
    opt = torch.optim.Adam(straight.parameters(), lr=0.05)
    _steps(straight, opt, batches)  # six steps in one go

    first = _net(10).to(device)
    opt_first = torch.optim.Adam(first.parameters(), lr=0.05)
    _steps(first, opt_first, batches[:3])
    path = tmp_path / "ckpt.pt"
    solution.save_checkpoint(path, first, opt_first, 3)

    resumed = _net(11).to(device)  # a new process would start from fresh objects
    opt_resumed = torch.optim.Adam(resumed.parameters(), lr=0.05)
    epoch = solution.load_checkpoint(path, resumed, opt_resumed)
    assert epoch == 3, f"load_checkpoint should return the saved epoch 3, got {epoch!r}"
    _steps(resumed, opt_resumed, batches[3:])
    for (name, got), want in zip(resumed.state_dict().items(), straight.state_dict().values()):
        expect.close(got, want, name=f"after resume + 3 steps, {name}",
                     why="differs from six uninterrupted steps: was the optimizer state (Adam's moments and "
                         "step count) saved and loaded too?", rtol=1e-5, atol=1e-6)


def test_load_checkpoint_is_safe(solution, tmp_path, monkeypatch):
    """load_checkpoint refuses to run code hidden in a checkpoint (weights_only=True)
    load_checkpoint 拒绝执行检查点中夹带的代码（weights_only=True）"""
    net = _net(20)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    path = tmp_path / "downloaded-ckpt.pt"
    torch.save(_Trap({"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 1}), path)
    _assert_refuses_hidden_code(monkeypatch, lambda: solution.load_checkpoint(path, _net(21), opt), "load_checkpoint")


def _gpu_saved_file(path, monkeypatch):
    """A state_dict file whose tensors are tagged as saved on a GPU, made without a GPU.

    The tag is a GPU index no grading machine has (cuda:63), so loading without map_location fails
    on a GPU machine too, just as a file from a big multi-GPU server would."""
    g = torch.Generator().manual_seed(12)
    state = {"weight": torch.randn(3, 2, generator=g), "bias": torch.arange(3.0),
             "table": torch.randn(2, 5, generator=g, dtype=torch.float64), "steps": torch.tensor(7)}
    with monkeypatch.context() as patch:
        patch.setattr(torch.serialization, "location_tag", lambda storage: "cuda:63")
        torch.save(state, path)
    return state


def _load_to(solution, path, target):
    try:
        return solution.load_to_device(path, target)
    except NotImplementedError:
        raise
    except RuntimeError as exc:
        if "CUDA" in str(exc) or "cuda" in str(exc):
            raise AssertionError(
                f"load_to_device(path, {str(target)!r}) failed on a file saved on a GPU: {str(exc).split('. ')[0]}. "
                "Pass map_location=device to torch.load so the tensors are created there"
            ) from None
        raise


@pytest.mark.points(2)
def test_load_to_device(solution, tmp_path, monkeypatch, device):
    """load_to_device loads a GPU-saved file onto the device it is asked for (map_location)
    load_to_device 把在 GPU 上保存的文件加载到指定的设备上（map_location）"""
    path = tmp_path / "from_gpu.pt"
    state = _gpu_saved_file(path, monkeypatch)
    # "meta" stands in for a GPU on any machine: it keeps shapes and dtypes, not values
    for target in (torch.device("cpu"), "cpu", device, "meta", torch.device("meta")):
        where = str(target)
        loaded = _load_to(solution, path, target)
        assert isinstance(loaded, dict) and list(loaded) == list(state), (
            f"load_to_device(path, {where!r}) should return the saved state_dict with keys {list(state)}, got "
            f"{list(loaded) if isinstance(loaded, dict) else type(loaded).__name__}"
        )
        for key, value in state.items():
            name = f"load_to_device(path, {where!r})[{key!r}]"
            why = f"map_location=device puts every tensor on that device while loading (here {where!r})"
            if torch.device(target).type == "meta":
                expect.device(loaded[key], "meta", name=name, why=why + ", not a device fixed in the code")
                expect.shape(loaded[key], value.shape, name=name)
                expect.dtype(loaded[key], value.dtype, name=name, why="loading must not change the dtype")
            else:
                expect.matches(loaded[key], value.to(target), name=name, why=why)


def test_load_to_device_is_safe(solution, tmp_path, monkeypatch):
    """load_to_device refuses to run code hidden in a file (weights_only=True)
    load_to_device 拒绝执行文件中夹带的代码（weights_only=True）"""
    path = tmp_path / "downloaded.pt"
    torch.save(_Trap({"weight": torch.ones(2, 2)}), path)
    _assert_refuses_hidden_code(monkeypatch, lambda: solution.load_to_device(path, "cpu"), "load_to_device")


def _strip(solution, state, prefix, want_keys, why):
    """strip_prefix(state, prefix): keys as `want_keys` (in order), the same tensors, `state` unchanged."""
    before = [(key, id(value)) for key, value in state.items()]
    values = [value.clone() for value in state.values()]
    call = f"strip_prefix(state, {prefix!r})" if prefix is not None else "strip_prefix(state)"
    out = solution.strip_prefix(state) if prefix is None else solution.strip_prefix(state, prefix)
    assert [(key, id(value)) for key, value in state.items()] == before, (
        f"{call} changed the dict it was given (its keys are now {list(state)}): build and return a new dict")
    assert isinstance(out, dict), f"{call} should return a dict, got {type(out).__name__}"
    assert list(out) == want_keys, f"{call} should give the keys {want_keys} in this order, got {list(out)}; {why}"
    for key, value in zip(want_keys, values):
        expect.matches(out[key], value, name=f"{call}[{key!r}]", why="only the keys change; the tensors stay as they were")
    return out


def test_strip_prefix(solution):
    """strip_prefix removes DataParallel's "module." and torch.compile's "_orig_mod." prefixes
    strip_prefix 去掉 DataParallel 的 "module." 和 torch.compile 的 "_orig_mod." 前缀"""
    wrapped = nn.DataParallel(_net(13))  # its keys start with "module."; with a GPU it also moves the net to cuda:0
    plain = _net(14)
    want = {key: value.detach().cpu().clone() for key, value in wrapped.module.state_dict().items()}
    out = _strip(solution, wrapped.state_dict(), None, list(plain.state_dict()),
                 'the default prefix is "module."')
    plain.load_state_dict(out)
    _same_state(plain.state_dict(), want, "the model loaded from the stripped keys")
    state = {"_orig_mod.fc.weight": torch.ones(2), "_orig_mod.fc.bias": torch.zeros(2)}
    _strip(solution, state, "_orig_mod.", ["fc.weight", "fc.bias"], "use the prefix argument")


def test_strip_prefix_only_at_start(solution):
    """strip_prefix changes only keys that start with the prefix, and only at the start
    strip_prefix 只修改以前缀开头的键，且只去掉开头的前缀"""
    t = [torch.full((1,), float(i)) for i in range(5)]
    state = {"module.encoder.module.weight": t[0], "module.submodule.x": t[1], "head.module.bias": t[2],
             "submodule.y": t[3], "module.model.mode": t[4]}
    want = ["encoder.module.weight", "submodule.x", "head.module.bias", "submodule.y", "model.mode"]
    _strip(solution, state, None, want,
           'a prefix is removed only at the start of a key: str.replace("module.", "") also cuts "submodule." and '
           'inner ".module." parts, and str.lstrip("module.") strips any of those letters, not the word')
