"""Hidden checks for the checkpoints kata. Each docstring: English title, then Chinese title."""

import pickle

import pytest
import torch
import torch._dynamo  # noqa: F401 - building any optimizer imports it (~2 s); import it once, before the fork
from torch import nn

from grader import expect

_RAN = []  # set when a malicious-style payload is unpickled (see test_load_weights_is_safe)


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
    """Every key of `want` is in `got` with equal values (parameters and buffers)."""
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    assert not missing and not extra, (
        f"{what}: expected the keys {list(want)}, got {list(got)} (missing {missing}, unexpected {extra}); "
        "buffers such as BatchNorm's running_mean are part of model.state_dict(), not of parameters()"
    )
    for key, value in want.items():
        expect.matches(got[key], value, name=f"{what}[{key!r}]")


def test_save_weights_writes_state_dict(solution, tmp_path):
    """save_weights writes the state_dict (parameters and buffers) as plain tensors
    save_weights 以普通张量保存 state_dict（参数与缓冲区）"""
    net = _trained_net(0)
    path = tmp_path / "weights.pt"
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
    _same_state(state, net.state_dict(), "the saved state_dict")


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


def test_load_weights_is_safe(solution, tmp_path):
    """load_weights refuses to run code hidden in a checkpoint (weights_only=True)
    load_weights 拒绝执行检查点中夹带的代码（weights_only=True）"""
    trained = _trained_net(4)
    path = tmp_path / "downloaded.pt"
    # pickle happily stores "call this function when loading": the reason for weights_only=True
    torch.save(_Trap(trained.state_dict()), path)
    _RAN.clear()
    try:
        solution.load_weights(_net(5), path)
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - refusing the file is exactly right
        pass
    assert not _RAN, (
        "load_weights unpickled a file that runs a function while it loads; a checkpoint from the internet "
        "could run any code this way. Load with torch.load(path, weights_only=True)"
    )


def test_load_weights_strict(solution, tmp_path):
    """load_weights raises on a file whose keys do not match the model
    load_weights 在文件的键与模型不匹配时报错"""
    other = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))  # no BatchNorm: keys differ
    path = tmp_path / "other.pt"
    torch.save(other.state_dict(), path)
    raised = False
    try:
        solution.load_weights(_net(6), path)
    except NotImplementedError:
        raise
    except RuntimeError:
        raised = True
    assert raised, (
        "load_weights loaded a file from another architecture without an error (expected a RuntimeError "
        "about missing/unexpected keys); strict=False hides such bugs: keep the default strict=True"
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
    _same_state(checkpoint["model"], net.state_dict(), 'checkpoint["model"]')
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
def test_resume_matches_uninterrupted(solution, tmp_path):
    """Resuming from a checkpoint continues exactly like an uninterrupted run
    从检查点恢复后的训练与不中断的训练完全一致"""
    g = torch.Generator().manual_seed(9)
    batches = [(torch.randn(16, 4, generator=g), torch.randint(0, 3, (16,), generator=g)) for _ in range(6)]

    straight = _net(10)
    opt = torch.optim.Adam(straight.parameters(), lr=0.05)
    _steps(straight, opt, batches)  # six steps in one go

    first = _net(10)
    opt_first = torch.optim.Adam(first.parameters(), lr=0.05)
    _steps(first, opt_first, batches[:3])
    path = tmp_path / "ckpt.pt"
    solution.save_checkpoint(path, first, opt_first, 3)

    resumed = _net(11)  # a new process would start from fresh objects
    opt_resumed = torch.optim.Adam(resumed.parameters(), lr=0.05)
    epoch = solution.load_checkpoint(path, resumed, opt_resumed)
    assert epoch == 3, f"load_checkpoint should return the saved epoch 3, got {epoch!r}"
    _steps(resumed, opt_resumed, batches[3:])
    for (name, got), want in zip(resumed.state_dict().items(), straight.state_dict().values()):
        expect.close(got, want, name=f"after resume + 3 steps, {name}",
                     why="differs from six uninterrupted steps: was the optimizer state (Adam's moments and "
                         "step count) saved and loaded too?", rtol=1e-5, atol=1e-6)


def _gpu_saved_file(path, monkeypatch):
    """A state_dict file whose tensors are tagged as saved on a GPU, made without a GPU.

    The tag is a GPU index no grading machine has (cuda:63), so loading without map_location fails
    on a GPU machine too, just as a file from a big multi-GPU server would."""
    state = {"weight": torch.randn(3, 2, generator=torch.Generator().manual_seed(12)), "bias": torch.arange(3.0)}
    with monkeypatch.context() as patch:
        patch.setattr(torch.serialization, "location_tag", lambda storage: "cuda:63")
        torch.save(state, path)
    return state


@pytest.mark.points(2)
def test_load_to_device(solution, tmp_path, monkeypatch, device):
    """load_to_device loads a GPU-saved file onto the CPU (map_location)
    load_to_device 把在 GPU 上保存的文件加载到 CPU（map_location）"""
    path = tmp_path / "from_gpu.pt"
    state = _gpu_saved_file(path, monkeypatch)
    for target in (torch.device("cpu"), "cpu", device):
        try:
            loaded = solution.load_to_device(path, target)
        except RuntimeError as exc:
            if "CUDA" in str(exc) or "cuda" in str(exc):
                raise AssertionError(
                    f"load_to_device(path, {str(target)!r}) failed on a file saved on a GPU: {str(exc).split('. ')[0]}. "
                    "Pass map_location=device to torch.load so the tensors are created there"
                ) from None
            raise
        assert isinstance(loaded, dict) and set(loaded) == set(state), (
            f"load_to_device should return the saved state_dict with keys {sorted(state)}, got "
            f"{sorted(loaded) if isinstance(loaded, dict) else type(loaded).__name__}"
        )
        for key, value in state.items():
            expect.matches(loaded[key], value.to(target), name=f"load_to_device(path, {str(target)!r})[{key!r}]",
                           why="map_location=device puts every tensor on that device while loading")


def test_strip_prefix(solution):
    """strip_prefix removes DataParallel's "module." and torch.compile's "_orig_mod." prefixes
    strip_prefix 去掉 DataParallel 的 "module." 和 torch.compile 的 "_orig_mod." 前缀"""
    wrapped = nn.DataParallel(_net(13))  # on CPU it just wraps: its keys start with "module."
    plain = _net(14)
    out = solution.strip_prefix(wrapped.state_dict())
    assert list(out) == list(plain.state_dict()), (
        f"strip_prefix(DataParallel state_dict) should give the keys {list(plain.state_dict())}, got {list(out)}"
    )
    plain.load_state_dict(out)
    _same_state(plain.state_dict(), wrapped.module.state_dict(), "the model loaded from the stripped keys")
    state = {"_orig_mod.fc.weight": torch.ones(2), "_orig_mod.fc.bias": torch.zeros(2)}
    out = solution.strip_prefix(state, "_orig_mod.")
    assert list(out) == ["fc.weight", "fc.bias"], (
        f'strip_prefix(state, "_orig_mod.") should give the keys ["fc.weight", "fc.bias"], got {list(out)}'
    )
    expect.matches(out["fc.weight"], state["_orig_mod.fc.weight"], name='strip_prefix(state, "_orig_mod.")["fc.weight"]',
                   why="only the keys change; the tensors stay as they were")


def test_strip_prefix_only_at_start(solution):
    """strip_prefix changes only keys that start with the prefix, and only at the start
    strip_prefix 只修改以前缀开头的键，且只去掉开头的前缀"""
    t = [torch.full((1,), float(i)) for i in range(4)]
    state = {"module.encoder.module.weight": t[0], "module.submodule.x": t[1], "head.module.bias": t[2],
             "submodule.y": t[3]}
    want = ["encoder.module.weight", "submodule.x", "head.module.bias", "submodule.y"]
    out = solution.strip_prefix(state)
    assert list(out) == want, (
        f"strip_prefix should give the keys {want}, got {list(out)}; a prefix is removed only at the start "
        'of a key (str.replace("module.", "") also cuts "submodule." and inner ".module." parts)'
    )
    for key, value in zip(want, t):
        expect.matches(out[key], value, name=f"strip_prefix(state)[{key!r}]", why="only the keys change")
    assert list(state)[0] == "module.encoder.module.weight", "strip_prefix must not change the dict it was given"
