"""Hidden checks for the training kata. Each docstring: English title, then Chinese title.

Most checks train small models on small synthetic data (fixed seeds, no shuffling, a last batch
smaller than the others) and compare the learner's parameters with a reference loop written out
here; one trains on the real MNIST subset. Where a check must see that batches really go to
`device` on a CPU-only grader, it asks for "meta" and hands out batch tensors that only a
`.to("meta")` turns into plain tensors (the data stays on the CPU, so the arithmetic still runs).
"""

import copy
import gzip
from pathlib import Path

import pytest
import torch
from torch import nn

from grader import expect

MNIST = Path(__file__).resolve().parents[2] / "_shared" / "mnist-5k"


def _data(seed, samples=64, features=5, classes=3, flip=False):
    """A learnable classification set: the label is the argmax of a fixed linear map of x."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(samples, features, generator=g)
    w = torch.randn(features, classes, generator=torch.Generator().manual_seed(1000))
    y = (x @ (-w if flip else w)).argmax(dim=1)
    return x, y


def _loader(x, y, batch_size=16):
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=batch_size, shuffle=False)


def _mlp(seed, dropout=0.0, features=5, classes=3):
    torch.manual_seed(seed)
    layers = [nn.Linear(features, 16), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(16, classes))
    return nn.Sequential(*layers)


def _sgd(model):
    return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


def _mean(values):
    return sum(values) / len(values)


# --- a stand-in device: "meta" that keeps the data ------------------------------------------------

_STAND_IN = "meta"


def _moves_to_stand_in(args, kwargs):
    device = torch._C._nn._parse_to(*args, **kwargs)[0]
    return device is not None and device.type == _STAND_IN


class _LoaderTensor(torch.Tensor):
    """A batch tensor as the loader hands it out. `.to("meta")` returns it as a plain tensor, the
    stand-in for its copy on that device; any other `.to(...)` keeps this type, so the model can tell
    a batch that never went to `device`."""

    def to(self, *args, **kwargs):
        if _moves_to_stand_in(args, kwargs):
            return self.as_subclass(torch.Tensor)
        return super().to(*args, **kwargs)


class _StaysOnCpu(nn.Sequential):
    """A model that is already "on" the stand-in device: moving it there changes nothing."""

    def to(self, *args, **kwargs):
        return self if _moves_to_stand_in(args, kwargs) else super().to(*args, **kwargs)


def _stand_in_setup(seed, samples, batch_size):
    """(model, loader, loss_fn, unmoved) where unmoved counts inputs and labels that reached the model
    or the loss without `.to("meta")`."""
    torch.manual_seed(seed)
    model = _StaysOnCpu(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3))
    x, y = _data(seed + 1, samples=samples)
    loader = _loader(x.as_subclass(_LoaderTensor), y.as_subclass(_LoaderTensor), batch_size)
    unmoved = {"x": 0, "y": 0, "batches": 0}

    def watch_input(module, args):
        unmoved["batches"] += 1
        unmoved["x"] += isinstance(args[0], _LoaderTensor)

    def loss_fn(output, target):
        unmoved["y"] += isinstance(target, _LoaderTensor)
        return nn.functional.cross_entropy(output, target)

    model.register_forward_pre_hook(watch_input)
    return model, loader, loss_fn, unmoved


def _assert_moved(unmoved, call):
    assert unmoved["batches"], f"{call} never called the model"
    assert not unmoved["x"] and not unmoved["y"], (
        f"{call}: {unmoved['x']} of {unmoved['batches']} inputs x and {unmoved['y']} labels y reached the model and "
        f"the loss without being moved to the device. Move each batch first: x, y = x.to(device), y.to(device) "
        f"(the check asks for {_STAND_IN!r}, a stand-in for a GPU, so this shows on any machine)")


def _reference_step(model, x, y, loss_fn, optimizer):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _reference_epoch(model, loader, loss_fn, optimizer, device):
    model.train()
    losses = [_reference_step(model, x.to(device), y.to(device), loss_fn, optimizer) for x, y in loader]
    return sum(losses) / len(losses)


def _reference_evaluate(model, loader, loss_fn, device):
    model.eval()
    total, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            total += loss_fn(logits, y).item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            count += len(y)
    return total / count, correct / count


def _same_params(model, reference, name, why):
    for (key, got), want in zip(model.named_parameters(), reference.parameters()):
        expect.close(got, want, name=f"{name}: parameter {key}", why=why, rtol=1e-4, atol=1e-6)


def _unchanged(model, before):
    return all(torch.equal(p.detach(), b) for p, b in zip(model.parameters(), before))


def _as_number(value, call):
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    if isinstance(value, (int, float)):
        return float(value)
    raise AssertionError(f"{call} should return a Python float, got {type(value).__name__}: {value!r}")


def _float_problem(value, call):
    """'' if value is a Python float, else a sentence explaining what came back."""
    if isinstance(value, float):
        return ""
    if isinstance(value, torch.Tensor):
        graph = " that still holds the autograd graph (grad_fn set)" if value.grad_fn is not None else ""
        return (f"{call} should return a Python float, got a tensor{graph}: use loss.item() to take the number "
                "out of each batch's loss; adding up loss tensors keeps every batch's graph in memory")
    return f"{call} should return a Python float, got {type(value).__name__}: {value!r}"


def test_train_step_matches_reference(solution, device):
    """train_step updates the parameters exactly like forward, loss, backward, step, zero_grad
    train_step 对参数的更新与"前向、损失、反向、step、zero_grad"完全一致"""
    for dtype in (torch.float32, torch.float64):  # the README fixes no dtype
        model = _mlp(1).to(device=device, dtype=dtype)
        reference = copy.deepcopy(model)
        optimizer, reference_optimizer = _sgd(model), _sgd(reference)
        loss_fn = nn.CrossEntropyLoss()
        x, y = _data(2, samples=27)
        x = x.to(dtype)
        batches = [(x[:16].to(device), y[:16].to(device)), (x[16:].to(device), y[16:].to(device))]  # 16, then 11
        for i, (bx, by) in enumerate(batches, start=1):
            want = _reference_step(reference, bx, by, loss_fn, reference_optimizer)
            before = [p.detach().clone() for p in model.parameters()]
            x_before, y_before = bx.clone(), by.clone()
            got = solution.train_step(model, bx, by, loss_fn, optimizer)
            expect.matches(bx, x_before, name=f"x after train_step call {i}", why="train_step must not change its batch")
            expect.matches(by, y_before, name=f"y after train_step call {i}", why="train_step must not change its batch")
            if _unchanged(model, before):
                raise AssertionError(
                    f"call {i} of train_step left every parameter unchanged. optimizer.step() must come after "
                    "loss.backward() (before it there are no gradients yet, or they were just zeroed), and it "
                    "must be called at all"
                )
            why = ("the first update is already wrong: compute model(x), then loss_fn(output, y), then "
                   "loss.backward(), then optimizer.step()") if i == 1 else (
                   "the first update was right but the second is not: the first batch's gradients were added to "
                   "the second's. Call optimizer.zero_grad() in every step")
            _same_params(model, reference, f"after train_step call {i} ({dtype})", why)
            got_value = _as_number(got, "train_step(...)")
            assert abs(got_value - want) <= 1e-5 * max(1.0, abs(want)), (
                f"train_step call {i} should return this batch's loss {want:.6f}, got {got_value:.6f}. "
                "Return the loss computed before the update, as loss.item()"
            )


def test_train_step_returns_float(solution, device):
    """train_step returns the loss as a Python float, not a tensor
    train_step 以 Python float 返回损失，而不是张量"""
    model = _mlp(3).to(device)
    x, y = _data(4, samples=16)
    got = solution.train_step(model, x.to(device), y.to(device), nn.CrossEntropyLoss(), _sgd(model))
    problem = _float_problem(got, "train_step(...)")
    assert not problem, problem


@pytest.mark.points(2)
def test_train_one_epoch_matches_reference(solution, device):
    """train_one_epoch gives the same parameters and mean loss as the reference loop
    train_one_epoch 得到的参数和平均损失与参考训练循环一致"""
    model = _mlp(5)
    reference = copy.deepcopy(model).to(device)
    model.to(device)
    optimizer, reference_optimizer = _sgd(model), _sgd(reference)
    loss_fn = nn.CrossEntropyLoss()
    loader = _loader(*_data(6, samples=50))  # 50 samples on the CPU: batches of 16, 16, 16 and 2
    want = _reference_epoch(reference, loader, loss_fn, reference_optimizer, device)
    before = [p.detach().clone() for p in model.parameters()]
    got = solution.train_one_epoch(model, loader, loss_fn, optimizer, device)
    if _unchanged(model, before):
        raise AssertionError(
            "after train_one_epoch every parameter is unchanged: each batch needs forward, loss, backward and "
            "then optimizer.step() (step before backward has no gradients to use)"
        )
    _same_params(model, reference, "after one epoch", (
        "for every batch: forward, loss, backward, step, and zero_grad so gradients do not pile up across "
        "batches; and use every batch of the loader exactly once"))
    got_value = _as_number(got, "train_one_epoch(...)")
    if abs(got_value - want) > 1e-5 * max(1.0, abs(want)):
        raise AssertionError(
            f"train_one_epoch should return the mean of the 4 batch losses (batches of 16, 16, 16 and 2 samples), "
            f"{want:.6f}, got {got_value:.6f}. Each batch's loss counts once: add up loss.item() per batch and "
            "divide by the number of batches")


def test_train_one_epoch_moves_batches(solution):
    """train_one_epoch moves every batch to the device it is given
    train_one_epoch 把每个批次移动到给定的设备上"""
    model, loader, loss_fn, unmoved = _stand_in_setup(30, samples=20, batch_size=8)
    solution.train_one_epoch(model, loader, loss_fn, _sgd(model), _STAND_IN)
    _assert_moved(unmoved, f"train_one_epoch(..., device={_STAND_IN!r})")


def test_train_one_epoch_returns_float(solution, device):
    """train_one_epoch returns a Python float (no loss tensors kept)
    train_one_epoch 返回 Python float（不保留损失张量）"""
    model = _mlp(7).to(device)
    got = solution.train_one_epoch(model, _loader(*_data(8)), nn.CrossEntropyLoss(), _sgd(model), device)
    problem = _float_problem(got, "train_one_epoch(...)")
    assert not problem, problem


def test_train_one_epoch_sets_train_mode(solution, device):
    """train_one_epoch trains in training mode even after the model was put in eval mode
    即使模型之前处于评估模式，train_one_epoch 也在训练模式下训练"""
    model = _mlp(9, dropout=0.5).to(device)
    model.eval()  # what evaluate() leaves behind
    seen = []
    model.register_forward_pre_hook(lambda module, args: seen.append(all(m.training for m in module.modules())))
    solution.train_one_epoch(model, _loader(*_data(10)), nn.CrossEntropyLoss(), _sgd(model), device)
    assert seen, "train_one_epoch never called the model"
    assert all(seen), (
        f"{seen.count(False)} of {len(seen)} forward passes in train_one_epoch ran in eval mode, with dropout "
        "switched off. Call model.train() at the start of train_one_epoch: evaluate() left the model in eval mode"
    )


def _batch_means(model, loader, loss_fn, device):
    """What averaging per-batch means gives (wrong when the last batch is smaller)."""
    model.eval()
    losses, accuracies = [], []
    with torch.no_grad():
        for x, y in loader:
            logits = model(x.to(device))
            losses.append(loss_fn(logits, y.to(device)).item())
            accuracies.append((logits.argmax(dim=1) == y.to(device)).float().mean().item())
    return _mean(losses), _mean(accuracies)


def test_evaluate_matches_reference(solution, device):
    """evaluate returns the eval-mode mean loss per sample and accuracy as floats, the same on every call
    evaluate 以 float 返回评估模式下每个样本的平均损失和准确率，每次调用结果相同"""
    model = _mlp(11, dropout=0.5).to(device)
    loss_fn = nn.CrossEntropyLoss()
    loader = _loader(*_data(12, samples=45))  # batches of 16, 16 and 13
    reference = copy.deepcopy(model)
    want_loss, want_acc = _reference_evaluate(reference, loader, loss_fn, device)
    batch_loss, batch_acc = _batch_means(reference, loader, loss_fn, device)
    model.train()  # as after training: evaluate must switch dropout off itself
    for call in (1, 2):
        got = solution.evaluate(model, loader, loss_fn, device)
        assert isinstance(got, (tuple, list)) and len(got) == 2, (
            f"evaluate(...) should return a tuple (mean loss, accuracy), got {type(got).__name__}: {got!r}")
        got_loss, got_acc = got
        for value, what in ((got_loss, "the mean loss"), (got_acc, "the accuracy")):
            assert isinstance(value, float), (
                f"evaluate(...) should return {what} as a Python float, got {type(value).__name__}: {value!r}. "
                "Use .item() and plain Python arithmetic")
        if abs(got_loss - batch_loss) <= 1e-6 * max(1.0, batch_loss) < abs(want_loss - batch_loss):
            raise AssertionError(
                f"evaluate(...) returned mean loss {got_loss:.6f}, the mean of the 3 batch means; the mean loss per "
                f"sample is {want_loss:.6f}. The last batch has 13 samples, not 16: weight each batch's loss by its "
                "size (loss.item() * len(y)) and divide by the number of samples")
        assert abs(got_loss - want_loss) <= 1e-5 * max(1.0, want_loss), (
            f"evaluate(...) call {call} returned mean loss {got_loss:.6f}, expected {want_loss:.6f} (the model in eval "
            "mode). If it changes from call to call, dropout is still active: call model.eval() first. Otherwise "
            "check the averaging: the loss per sample over the whole loader")
        if abs(got_acc - batch_acc) <= 1e-6 < abs(want_acc - batch_acc):
            raise AssertionError(
                f"evaluate(...) returned accuracy {got_acc:.4f}, the mean of the 3 batch accuracies; over all 45 "
                f"samples it is {want_acc:.4f}. Count the correct answers over the whole loader and divide once")
        assert abs(got_acc - want_acc) <= 1e-6, (
            f"evaluate(...) call {call} returned accuracy {got_acc:.4f}, expected {want_acc:.4f}: the fraction of "
            "samples with logits.argmax(dim=1) == y over the whole loader, in eval mode")


def test_evaluate_moves_batches(solution):
    """evaluate moves every batch to the device it is given
    evaluate 把每个批次移动到给定的设备上"""
    model, loader, loss_fn, unmoved = _stand_in_setup(31, samples=20, batch_size=8)
    solution.evaluate(model, loader, loss_fn, torch.device(_STAND_IN))
    _assert_moved(unmoved, f"evaluate(..., device=torch.device({_STAND_IN!r}))")


def test_evaluate_no_grad(solution, device):
    """evaluate runs the model without gradient tracking
    evaluate 在不跟踪梯度的情况下运行模型"""
    model = _mlp(13).to(device)
    seen = []
    model.register_forward_hook(lambda module, args, output: seen.append(torch.is_grad_enabled()))
    solution.evaluate(model, _loader(*_data(14, samples=32)), nn.CrossEntropyLoss(), device)
    assert seen, "evaluate never called the model"
    assert not any(seen), (
        f"{sum(seen)} of {len(seen)} forward passes in evaluate built an autograd graph: wrap the loop in "
        "`with torch.no_grad():` (evaluation needs no gradients; the graph only costs time and memory)"
    )
    assert all(p.grad is None for p in model.parameters()), "evaluate should not compute gradients (no backward())"


def test_snapshot_is_a_copy(solution):
    """snapshot keeps the weights as they were, even after more training
    snapshot 保存当时的权重，之后继续训练也不会改变它"""
    torch.manual_seed(15)
    model = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    expected = {key: value.clone() for key, value in model.state_dict().items()}
    saved = solution.snapshot(model)
    assert hasattr(saved, "keys"), f"snapshot(model) should return a dict like model.state_dict(), got {type(saved).__name__}"
    assert set(saved.keys()) == set(expected), (
        f"snapshot(model) should have the keys of model.state_dict() {sorted(expected)}, got {sorted(saved.keys())}")
    # train a little: parameters change in place, and so do batch norm's running statistics
    x, y = _data(16, samples=16)
    optimizer = _sgd(model)
    for _ in range(2):
        _reference_step(model, x, y, nn.CrossEntropyLoss(), optimizer)
    for key, want in expected.items():
        expect.matches(saved[key], want, name=f"snapshot(model)[{key!r}] after two more training steps", why=(
            "model.state_dict() hands out the live tensors, so training changes them too: copy them "
            "(copy.deepcopy(model.state_dict()) or {k: v.clone() for k, v in ...})"))
    model.load_state_dict(saved)
    for key, want in expected.items():
        expect.close(model.state_dict()[key], want, name=f"model.state_dict()[{key!r}] after load_state_dict(snapshot)")


def _reference_fit(model, train_loader, val_loader, loss_fn, optimizer, epochs, device):
    history, states = [], []
    for _ in range(epochs):
        train_loss = _reference_epoch(model, train_loader, loss_fn, optimizer, device)
        val_loss, val_acc = _reference_evaluate(model, val_loader, loss_fn, device)
        history.append({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
        states.append(copy.deepcopy(model.state_dict()))
    best = min(range(epochs), key=lambda i: (history[i]["val_loss"], i))
    return history, states[best], best


def test_fit_keeps_best(solution, device):
    """fit records a float history per epoch and ends with the best epoch's weights
    fit 逐轮记录 float 类型的历史，并在结束时恢复最佳一轮的权重"""
    model = _mlp(17).to(device)
    reference = copy.deepcopy(model)
    loss_fn = nn.CrossEntropyLoss()
    train = _loader(*_data(18, samples=60))  # batches of 16, 16, 16 and 12
    # a validation set whose labels follow the opposite rule: the more the model learns, the worse it
    # scores there, so the best epoch is an early one and not the last
    val = _loader(*_data(19, samples=30, flip=True))
    epochs = 4
    want_history, want_state, best = _reference_fit(reference, train, val, loss_fn, _sgd(reference), epochs, device)
    history = solution.fit(model, train, val, loss_fn, _sgd(model), epochs, device)
    assert isinstance(history, list) and len(history) == epochs, (
        f"fit(..., epochs={epochs}) should return a list with one dict per epoch, got {history!r:.200}")
    for epoch, (got, want) in enumerate(zip(history, want_history), start=1):
        assert isinstance(got, dict), f"history[{epoch - 1}] should be a dict, got {type(got).__name__}"
        for key, value in want.items():
            assert key in got, f"history[{epoch - 1}] should have the key {key!r}, got keys {sorted(got)}"
            assert isinstance(got[key], float), (
                f"history[{epoch - 1}][{key!r}] should be a Python float, got {type(got[key]).__name__}")
            assert abs(got[key] - value) <= 1e-5 * max(1.0, abs(value)), (
                f"epoch {epoch}: {key} should be {value:.6f}, got {got[key]:.6f}. Each epoch: train_one_epoch on "
                "the training loader, then evaluate on the validation loader")
    for key, want in want_state.items():
        expect.close(model.state_dict()[key], want, name=f"the model's {key} after fit", rtol=1e-4, atol=1e-6, why=(
            f"the lowest val_loss was after epoch {best + 1} of {epochs}, so fit should end with that epoch's "
            "weights. If you got the last epoch's instead: keep a real copy (snapshot), not model.state_dict() "
            "itself, and load it back with model.load_state_dict() at the end"))


class _Scripted(nn.Module):
    """Predicts the same logits for every sample; `tag` (unused by forward) says which epoch set them."""

    def __init__(self):
        super().__init__()
        self.logits = nn.Parameter(torch.zeros(3))
        self.tag = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return self.logits.expand(x.shape[0], 3)


class _ScriptedSteps(torch.optim.SGD):
    """An optimizer whose step() writes the script's row for the current epoch into the model, so the
    check decides every epoch's val_loss and val_acc (SGD with lr=0 supplies zero_grad and the rest)."""

    def __init__(self, model, rows, steps_per_epoch):
        super().__init__(model.parameters(), lr=0.0)
        self.model, self.rows, self.steps_per_epoch, self.steps = model, rows, steps_per_epoch, 0

    @torch.no_grad()
    def step(self, closure=None):
        epoch = self.steps // self.steps_per_epoch
        self.steps += 1
        self.model.logits.copy_(torch.tensor(self.rows[epoch]).log())
        self.model.tag.fill_(epoch + 1)


# Class probabilities the model predicts after each epoch; the validation labels are 5 × class 0,
# 3 × class 1, 2 × class 2. Epoch 2 has the lowest val_loss; epoch 4 repeats it exactly (a tie the
# first epoch wins); epochs 1 and 5 have the highest accuracy but a higher loss.
_SCRIPT = ((0.9, 0.05, 0.05), (0.4, 0.42, 0.18), (0.2, 0.6, 0.2), (0.4, 0.42, 0.18), (0.9, 0.05, 0.05))


def test_fit_best_epoch_rule(solution):
    """fit keeps the epoch with the lowest val_loss, the first one on a tie, not the most accurate
    fit 保留 val_loss 最低的一轮（并列时取最早的一轮），而不是准确率最高的一轮"""
    model = _Scripted()
    train = _loader(torch.zeros(7, 1), torch.zeros(7, dtype=torch.long), batch_size=3)  # 3 steps per epoch
    val_y = torch.tensor([0, 1, 0, 2, 0, 1, 0, 2, 1, 0])
    val = _loader(torch.zeros(10, 1), val_y, batch_size=4)
    loss_fn = nn.CrossEntropyLoss()
    probs = torch.tensor(_SCRIPT)
    want_loss = [nn.functional.nll_loss(row.log().expand(10, 3), val_y).item() for row in probs]
    want_acc = [(row.argmax() == val_y).float().mean().item() for row in probs]
    history = solution.fit(model, train, val, loss_fn, _ScriptedSteps(model, _SCRIPT, len(train)), len(_SCRIPT), "cpu")
    assert isinstance(history, list) and len(history) == len(_SCRIPT), (
        f"fit(..., epochs={len(_SCRIPT)}) should return a list with one dict per epoch, got {history!r:.200}")
    for epoch, got in enumerate(history, start=1):
        assert isinstance(got, dict) and "val_loss" in got and "val_acc" in got, (
            f"history[{epoch - 1}] should be a dict with val_loss and val_acc, got {got!r:.200}")
        assert abs(got["val_loss"] - want_loss[epoch - 1]) <= 1e-5, (
            f"epoch {epoch}: val_loss should be {want_loss[epoch - 1]:.5f}, got {got['val_loss']:.5f}: evaluate the "
            "model on val_loader after each epoch's training")
    kept = int(model.tag.item())
    losses = ", ".join(f"{v:.3f}" for v in want_loss)
    accuracies = ", ".join(f"{v:.1f}" for v in want_acc)
    reasons = {1: "the highest val_acc: the best epoch is the one with the lowest val_loss",
               4: "a val_loss equal to epoch 2's; on a tie the first epoch wins (compare with <, not <=)",
               5: "the last epoch: load the best snapshot back at the end"}
    assert kept == 2, (
        f"fit ended with epoch {kept}'s weights; expected epoch 2. The val_loss per epoch was {losses} and the "
        f"val_acc {accuracies}; epoch {kept} has {reasons.get(kept, 'neither the lowest val_loss nor a tie')}")


def test_fit_moves_batches(solution):
    """fit hands its device on to training and evaluation
    fit 把它的 device 传给训练和评估"""
    model, loader, loss_fn, unmoved = _stand_in_setup(32, samples=20, batch_size=8)
    solution.fit(model, loader, loader, loss_fn, _sgd(model), 2, _STAND_IN)
    _assert_moved(unmoved, f"fit(..., epochs=2, device={_STAND_IN!r}) (pass device on to train_one_epoch and evaluate)")


def _read_idx(path):
    import numpy as np

    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[:4], "big")
    if magic == 2051:
        count, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
        return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows * cols)
    return np.frombuffer(data, dtype=np.uint8, offset=8)


def _mnist(split):
    images = torch.from_numpy(_read_idx(MNIST / f"{split}-images-idx3-ubyte.gz").copy()).float() / 255.0
    labels = torch.from_numpy(_read_idx(MNIST / f"{split}-labels-idx1-ubyte.gz").copy()).long()
    return images, labels


@pytest.mark.points(2)
@pytest.mark.timeout(60)
def test_fit_mnist(solution, device):
    """fit trains a small network on real MNIST digits to at least 85% accuracy
    fit 在真实的 MNIST 手写数字上把一个小网络训练到至少 85% 的准确率"""
    train_x, train_y = _mnist("train")
    test_x, test_y = _mnist("t10k")
    train = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(train_x, train_y), batch_size=100,
                                        shuffle=True, generator=torch.Generator().manual_seed(20))
    val = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(test_x, test_y), batch_size=100)
    torch.manual_seed(21)
    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    history = solution.fit(model, train, val, nn.CrossEntropyLoss(), optimizer, 3, device)
    assert isinstance(history, list) and len(history) == 3 and all(isinstance(h, dict) for h in history), (
        f"fit(..., epochs=3) should return a list of 3 dicts, got {history!r:.200}")
    best_acc = max(h["val_acc"] for h in history)
    assert best_acc >= 0.85, (
        f"after 3 epochs on MNIST the best val_acc in the history (on the 1,000 test images) should be at least "
        f"0.85, got {best_acc:.3f}: "
        "is the model trained in train mode, evaluated in eval mode, and are gradients zeroed each step?")
    loss, _ = _reference_evaluate(model, val, nn.CrossEntropyLoss(), device)
    best_loss = min(h["val_loss"] for h in history)
    assert abs(loss - best_loss) <= 1e-4 * max(1.0, best_loss), (
        f"after fit the model's validation loss (in eval mode) is {loss:.5f}, but the best epoch's val_loss in the "
        f"history is {best_loss:.5f}. Either fit did not load the best epoch's weights (a copy made then) back into "
        "the model at the end, or evaluate measured with dropout on (no model.eval())")
