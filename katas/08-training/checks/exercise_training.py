"""Exercise halves of the training checks: run in the grading child, train or evaluate with the
learner's code on the judge's data and initial weights, and return what happened (losses, weights,
what the model saw). Nothing here decides; test_training.py judges.

Models and loaders cannot travel: the judge names an architecture and sends its weights, and they are
built here. Where a check must see that batches really go to `device` on a CPU-only grader, it asks
for "meta" and hands out batch tensors that only a `.to("meta")` turns into plain tensors (the data
stays on the CPU, so the arithmetic still runs).
"""

import pytest
import torch
import torch._dynamo  # noqa: F401 - warm import: the first optimizer imports it (about 2.5 s)
from torch import nn

from grader.exercise import attempt
from grader.idx import read_idx
from grader.stand_in import STAND_IN, StandIn, StandInDevice, target


# The architectures the judge names, as in test_training.py's _ARCHITECTURES.
_ARCHITECTURES = {
    "mlp": lambda: [nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3)],
    "mlp-dropout": lambda: [nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3)],
    "mlp-batchnorm": lambda: [nn.Linear(5, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3)],
    "mnist": lambda: [nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10)],
}


def _model(inputs, device="cpu", dtype=torch.float32, kind=nn.Sequential):
    model = kind(*_ARCHITECTURES[inputs["arch"]]())
    model.load_state_dict(inputs["state"])
    return model.to(device=device, dtype=dtype)


def _loader(x, y, batch_size):
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=batch_size, shuffle=False)


def _sgd(model, lr=0.1):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def _params(model):
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def _returned(value):
    """A value the learner's function returned, with what the judge needs to explain its type."""
    return {
        "value": value,
        "is_float": isinstance(value, float),
        "type": type(value).__name__,
        "graph": isinstance(value, torch.Tensor) and value.grad_fn is not None,
    }


def _pair(value):
    """evaluate's result: the value, and each of its two parts when it is a pair."""
    parts = [_returned(v) for v in value] if isinstance(value, (tuple, list)) and len(value) == 2 else None
    return {"value": value, "type": type(value).__name__, "parts": parts}


def _history(value):
    """fit's result: the value, and each epoch's entries when it is a list of dicts."""
    if not isinstance(value, list):
        return {"value": value, "type": type(value).__name__, "epochs": None}
    epochs = [
        {
            "type": type(entry).__name__,
            "entries": {str(k): _returned(v) for k, v in entry.items()} if isinstance(entry, dict) else None,
        }
        for entry in value
    ]
    return {"value": value, "type": "list", "epochs": epochs}


def test_train_step_matches_reference(solution, inputs, device):
    seen = []
    for dtype in inputs["dtypes"]:
        model = _model(inputs, device, dtype)
        optimizer = _sgd(model)
        calls = []
        for x, y in inputs["batches"]:
            x, y = x.to(device=device, dtype=dtype), y.to(device)
            out = attempt(solution.train_step, model, x, y, nn.CrossEntropyLoss(), optimizer)
            calls.append({"out": _returned(out), "x": x, "y": y, "params": _params(model)})
        seen.append(calls)
    return seen


def _smoothed(inputs):
    """The judge's loss function: cross-entropy with its label smoothing, so a loss_fn left unused shows."""
    return nn.CrossEntropyLoss(label_smoothing=inputs["smoothing"])


def test_train_step_returns_float(solution, inputs, device):
    model = _model(inputs, device)
    out = attempt(
        solution.train_step, model, inputs["x"].to(device), inputs["y"].to(device), _smoothed(inputs), _sgd(model)
    )
    return _returned(out)


def _one_epoch(solution, inputs, device, model):
    loader = _loader(inputs["x"], inputs["y"], inputs["batch_size"])  # on the CPU: the learner moves it
    out = attempt(solution.train_one_epoch, model, loader, nn.CrossEntropyLoss(), _sgd(model, inputs["lr"]), device)
    return {"out": _returned(out), "params": _params(model)}


def test_train_one_epoch_matches_reference(solution, inputs, device):
    return _one_epoch(solution, inputs, device, _model(inputs, device))


def test_train_one_epoch_returns_float(solution, inputs, device):
    return _one_epoch(solution, inputs, device, _model(inputs, device))["out"]


def test_train_one_epoch_sets_train_mode(solution, inputs, device):
    model = _model(inputs, device)
    model.eval()  # what evaluate() leaves behind
    modes = []
    model.register_forward_pre_hook(lambda module, args: modes.append(all(m.training for m in module.modules())))
    return {"modes": modes, **_one_epoch(solution, inputs, device, model)}


def test_evaluate_matches_reference(solution, inputs, device):
    model = _model(inputs, device)
    loader = _loader(inputs["x"], inputs["y"], inputs["batch_size"])
    model.train()  # as after training: evaluate must switch dropout off itself
    return [_pair(attempt(solution.evaluate, model, loader, nn.CrossEntropyLoss(), device)) for _ in range(2)]


def test_evaluate_no_grad(solution, inputs, device):
    model = _model(inputs, device)
    grad_modes = []
    model.register_forward_hook(lambda module, args, output: grad_modes.append(torch.is_grad_enabled()))
    loss_fn = _smoothed(inputs)
    out = attempt(solution.evaluate, model, _loader(inputs["x"], inputs["y"], inputs["batch_size"]), loss_fn, device)
    grad_after = torch.is_grad_enabled()
    torch.set_grad_enabled(True)  # as it was before the call, for whatever runs next in this child
    no_grads = all(p.grad is None for p in model.parameters())
    with torch.no_grad():  # a caller that has switched gradients off (a validation loop) keeps them off
        attempt(solution.evaluate, model, _loader(inputs["x"], inputs["y"], inputs["batch_size"]), loss_fn, device)
        grad_after_in_no_grad = torch.is_grad_enabled()
    return {
        "out": _pair(out),
        "grad_modes": grad_modes,
        "no_grads": no_grads,
        "grad_after": grad_after,
        "grad_after_in_no_grad": grad_after_in_no_grad,
        "reduction_after": loss_fn.reduction,
    }


def _step(model, x, y, optimizer):
    """One plain training step: the check's own, to change the weights after a snapshot."""
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()


def test_snapshot_is_a_copy(solution, inputs):
    model = _model(inputs)
    optimizer = _sgd(model)
    first, *later = inputs["batches"]
    _step(model, *first, optimizer)  # so that batch norm's running statistics are not the defaults
    saved = attempt(solution.snapshot, model)
    keys = sorted(str(k) for k in saved.keys()) if hasattr(saved, "keys") else None
    for x, y in later:  # parameters change in place, and so do batch norm's running statistics
        _step(model, x, y, optimizer)
    values = {str(k): saved[k] for k in saved.keys()} if keys is not None else None
    loaded = attempt(model.load_state_dict, saved) if keys is not None else None
    return {
        "saved": saved if keys is None else None,
        "type": type(saved).__name__,
        "keys": keys,
        "values": values,
        "load": loaded,
        "after_load": {k: v.clone() for k, v in model.state_dict().items()},
    }


def test_fit_keeps_best(solution, inputs, device):
    model = _model(inputs, device)
    train = _loader(inputs["train_x"], inputs["train_y"], inputs["batch_size"])
    val = _loader(inputs["val_x"], inputs["val_y"], inputs["batch_size"])
    history = attempt(solution.fit, model, train, val, nn.CrossEntropyLoss(), _sgd(model), inputs["epochs"], device)
    return {"history": _history(history), "params": _params(model)}


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
    judge decides every epoch's val_loss and val_acc (SGD with lr=0 supplies zero_grad and the rest)."""

    def __init__(self, model, rows, steps_per_epoch):
        super().__init__(model.parameters(), lr=0.0)
        self.model, self.rows, self.steps_per_epoch, self.steps = model, rows, steps_per_epoch, 0

    @torch.no_grad()
    def step(self, closure=None):
        epoch = self.steps // self.steps_per_epoch
        self.steps += 1
        self.model.logits.copy_(self.rows[epoch].log())
        self.model.tag.fill_(epoch + 1)


def test_fit_best_epoch_rule(solution, inputs):
    model = _Scripted()
    train = _loader(torch.zeros(7, 1), torch.zeros(7, dtype=torch.long), batch_size=3)  # 3 steps per epoch
    val = _loader(torch.zeros(len(inputs["val_y"]), 1), inputs["val_y"], inputs["batch_size"])
    rows = inputs["rows"]
    optimizer = _ScriptedSteps(model, rows, len(train))
    history = attempt(solution.fit, model, train, val, nn.CrossEntropyLoss(), optimizer, len(rows), "cpu")
    return {"history": _history(history), "tag": model.tag.item(), "logits": model.logits.detach().clone()}


# --- a stand-in device (grader/stand_in.py): "meta" that keeps the data ------------------------------
# The loader hands out CPU tensors; what the learner's code moves to the device (`.to(device)`,
# `torch.as_tensor(x, device=device)`, `y.to(x.device)`) or makes there (`torch.zeros((), device=device)`)
# is a StandIn: its values are real, it refuses NumPy until copied back, as on a GPU.


class _StaysOnCpu(nn.Sequential):
    """A model that is already "on" the stand-in device: moving it there changes nothing."""

    def to(self, *args, **kwargs):
        return self if target((self, *args), kwargs) == STAND_IN else super().to(*args, **kwargs)


def _stand_in_setup(inputs):
    """(model, loader, loss_fn, unmoved) where unmoved counts inputs and labels that reached the model
    or the loss without being moved to the stand-in device."""
    model = _model(inputs, kind=_StaysOnCpu)
    loader = _loader(inputs["x"], inputs["y"], inputs["batch_size"])
    unmoved = {"x": 0, "y": 0, "batches": 0}

    def watch_input(module, args):
        unmoved["batches"] += 1
        unmoved["x"] += not isinstance(args[0], StandIn)

    def loss_fn(output, target):
        unmoved["y"] += not isinstance(target, StandIn)
        return nn.functional.cross_entropy(output, target)

    model.register_forward_pre_hook(watch_input)
    return model, loader, loss_fn, unmoved


def test_train_one_epoch_moves_batches(solution, inputs):
    model, loader, loss_fn, unmoved = _stand_in_setup(inputs)
    with StandInDevice():
        out = attempt(solution.train_one_epoch, model, loader, loss_fn, _sgd(model, inputs["lr"]), STAND_IN)
    return {"unmoved": unmoved, "out": _returned(out)}


def test_evaluate_moves_batches(solution, inputs):
    model, loader, loss_fn, unmoved = _stand_in_setup(inputs)
    with StandInDevice():
        out = attempt(solution.evaluate, model, loader, loss_fn, torch.device(STAND_IN))
    return {"unmoved": unmoved, "out": _pair(out)}


def test_fit_moves_batches(solution, inputs):
    model, loader, loss_fn, unmoved = _stand_in_setup(inputs)
    with StandInDevice():
        history = attempt(
            solution.fit, model, loader, loader, loss_fn, _sgd(model, inputs["lr"]), inputs["epochs"], STAND_IN
        )
    return {"unmoved": unmoved, "history": _history(history)}


# --- real digits ----------------------------------------------------------------------------------


def _mnist(folder, split):
    images = torch.from_numpy(read_idx(folder / f"{split}-images-idx3-ubyte.gz")).flatten(1).float() / 255.0
    labels = torch.from_numpy(read_idx(folder / f"{split}-labels-idx1-ubyte.gz")).long()
    return images, labels


@pytest.mark.timeout(60)
def test_fit_mnist(solution, inputs, device, kata_data):
    train = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(*_mnist(kata_data, "train")),
        batch_size=100,
        shuffle=True,
        generator=torch.Generator().manual_seed(inputs["shuffle_seed"]),
    )
    val = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*_mnist(kata_data, "t10k")), batch_size=100)
    torch.manual_seed(inputs["seed"])  # dropout's masks
    model = _model(inputs, device)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    history = attempt(solution.fit, model, train, val, nn.CrossEntropyLoss(), optimizer, 3, device)
    return {"history": _history(history), "params": _params(model)}
