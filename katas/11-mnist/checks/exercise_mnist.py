"""Checks for the mnist capstone, exercise half: runs the learner's code in the grading child and returns
what it did (items, batches, logits, weights, modes, predictions). It decides nothing: test_mnist.py
judges, with its own copy of the data. The judge sends the data folder's path and the pixels of every
image a check's own models need, so this half reads no data file itself."""

import signal
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torch._dynamo  # noqa: F401 - building any optimizer imports it (~2 s); import it once, before the fork
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from grader.exercise import attempt
from grader.observations import Raised

WEIGHTS_SAMPLE = 4096  # values per state_dict entry sent back: enough to tell two initialisations apart


def fingerprints(images):
    """One key per image that survives any positive affine normalisation (x / 255, (x − mean) / std):
    which pixels are brighter than the image's background, packed 8 to a byte (98 bytes for 28 × 28).
    The judge keys its test images with this same function."""
    flat = images.detach().float().cpu().reshape(len(images), -1)
    bright = (flat > flat.min(dim=1, keepdim=True).values).numpy()
    return np.packbits(bright, axis=1)


def _images(inputs):
    """The judge's uint8 pixels as the README's images: float32 in [0, 1] (the judge scales them alike)."""
    return inputs["pixels"].float() / 255


def _linear_model(weight, bias, dropout=None):
    """The check's own classifier, with the judge's weights: Flatten, (Dropout,) Linear(784, 10)."""
    linear = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        linear.weight.copy_(weight)
        linear.bias.copy_(bias)
    layers = [nn.Flatten(), linear] if dropout is None else [nn.Flatten(), nn.Dropout(dropout), linear]
    return nn.Sequential(*layers)


def _parameters(model):
    return {name: p.detach() for name, p in model.named_parameters()}


# --- exercise 1: MnistDataset --------------------------------------------------------------------


def _as_read(image):
    """An item's image as it was when read: a copy, since a view of the dataset's storage changes with it."""
    return image.clone() if isinstance(image, torch.Tensor) else image


def _items(solution, inputs, train):
    dataset = attempt(solution.MnistDataset, Path(inputs["root"]), train=train)
    if isinstance(dataset, Raised):
        return {"created": dataset}
    items = []
    for i in inputs["indices"]:
        item = attempt(dataset.__getitem__, i)
        pair = isinstance(item, (tuple, list)) and len(item) == 2
        items.append(
            {
                "kind": item if isinstance(item, Raised) else type(item).__name__,
                "size": len(item) if isinstance(item, (tuple, list)) else None,
                "image": _as_read(item[0]) if pair else None,
                # a NumPy or Python label travels as a plain number: its tensor shows the dtype it gives
                "label": attempt(torch.as_tensor, item[1]) if pair else None,
            }
        )
    # The first item read once more: reading must not change what the dataset holds.
    again = attempt(dataset.__getitem__, inputs["indices"][0])
    again_image = _as_read(again[0]) if isinstance(again, (tuple, list)) and len(again) == 2 else again
    return {"created": None, "length": attempt(len, dataset), "items": items, "again": again_image}


def test_dataset_train(solution, inputs):
    return _items(solution, inputs, train=True)


def test_dataset_test(solution, inputs):
    return _items(solution, inputs, train=False)


# --- exercise 2: make_loaders --------------------------------------------------------------------


def test_make_loaders_batches(solution, inputs):
    train_loader, test_loader = solution.make_loaders(
        Path(inputs["root"]), batch_size=inputs["batch_size"], seed=inputs["seed"]
    )
    images, labels = next(iter(train_loader))
    return {
        "first_images": images,
        "first_labels": labels,
        "epoch": [batch_labels for _, batch_labels in train_loader],  # a second pass
        "test": [batch_labels for _, batch_labels in test_loader],
    }


def _first_batch(loader):
    """The first batch's labels and the keys of its images (see `fingerprints`)."""
    images, labels = next(iter(loader))
    return {"labels": labels, "keys": fingerprints(images)}


def test_make_loaders_reproducible(solution, inputs):
    root, batch_size, (seed, other_seed) = Path(inputs["root"]), inputs["batch_size"], inputs["seeds"]
    first = _first_batch(solution.make_loaders(root, batch_size=batch_size, seed=seed)[0])
    loader, _ = solution.make_loaders(root, batch_size=batch_size, seed=seed)
    torch.rand(inputs["draws"])  # other code using the global random state in between must not matter
    again = _first_batch(loader)
    other = _first_batch(solution.make_loaders(root, batch_size=batch_size, seed=other_seed)[0])
    return {"first": first, "again": again, "other": other}


# --- exercise 3: build_model ---------------------------------------------------------------------

# The layers whose settings the judge can rebuild a model from: the names of their settings.
LAYERS = {
    "Flatten": ("start_dim", "end_dim"),
    "Linear": (),
    "ReLU": (),
    "Dropout": (),
    "Softmax": ("dim",),
    "LogSoftmax": ("dim",),
    "Conv2d": ("stride", "padding", "dilation", "groups"),
    "MaxPool2d": ("kernel_size", "stride", "padding", "dilation"),
}


def _layers(model):
    """A plain nn.Sequential of the LAYERS as [(type name, settings)], else None: the judge recomputes
    such a model's logits from its parameters."""
    if type(model) is not nn.Sequential:
        return None
    layers = []
    for layer in model:
        name = type(layer).__name__
        if name not in LAYERS or type(layer) is not getattr(nn, name):
            return None
        if name == "Conv2d" and layer.padding_mode != "zeros":
            return None
        layers.append((name, {key: getattr(layer, key) for key in LAYERS[name]}))
    return layers


def test_build_model(solution, inputs):
    model = attempt(solution.build_model)
    if not isinstance(model, nn.Module):
        return {"model": model}
    second = attempt(solution.build_model)
    model.eval()
    with torch.no_grad():
        out = attempt(model, _images(inputs))
    layers = _layers(model)
    return {
        "model": type(model).__name__,
        "new_each_call": second is not model,
        "parameters": sum(1 for _ in model.parameters()),
        "out": out,
        "layers": layers,
        "state": None if layers is None else {k: v.detach() for k, v in model.state_dict().items()},
    }


# --- exercise 4: train_model ---------------------------------------------------------------------


def _loader(inputs):
    return DataLoader(TensorDataset(_images(inputs), inputs["labels"]), batch_size=inputs["batch_size"])


def test_train_model_loss(solution, inputs):
    model = _linear_model(inputs["weight"], inputs["bias"])
    seen = []  # the logits of every training forward pass (extra passes under no_grad are ignored)
    model.register_forward_hook(
        lambda module, args, output: seen.append(output.detach()) if torch.is_grad_enabled() else None
    )
    # the learner's own default lr and optimizer
    history = attempt(solution.train_model, model, _loader(inputs), epochs=inputs["epochs"])
    return {"history": history, "logits": seen, "parameters": _parameters(model)}


def test_train_model_uses_lr(solution, inputs):
    model = _linear_model(inputs["weight"], inputs["bias"])
    ran = []
    model.register_forward_hook(lambda module, args, output: ran.append(True))
    result = attempt(solution.train_model, model, _loader(inputs), epochs=1, lr=0.0)
    return {"result": result, "forward_passes": len(ran), "parameters": _parameters(model)}


def test_train_model_sets_train_mode(solution, inputs):
    model = _linear_model(inputs["weight"], inputs["bias"], dropout=inputs["dropout"])
    modes, dropped = [], []  # of the training passes: extra passes under no_grad (an evaluation) are ignored
    model.register_forward_hook(
        lambda module, args, output: modes.append(module.training) if torch.is_grad_enabled() else None
    )
    # what the Dropout layer let through: the judge tells training mode from these values
    model[1].register_forward_hook(
        lambda module, args, output: dropped.append(output.detach()) if torch.is_grad_enabled() else None
    )
    model.eval()  # as evaluate() leaves it
    # two epochs: an evaluate() after the first must not leave the second in eval mode
    result = attempt(solution.train_model, model, _loader(inputs), epochs=2)
    return {"result": result, "modes": modes, "dropout_outputs": dropped}


# --- exercise 5: evaluate ------------------------------------------------------------------------


def test_evaluate(solution, inputs):
    return attempt(solution.evaluate, _linear_model(inputs["weight"], inputs["bias"]), _loader(inputs))


def test_evaluate_eval_mode(solution, inputs):
    model = _linear_model(inputs["weight"], inputs["bias"], dropout=inputs["dropout"])
    modes, logits = [], []

    def watch(module, args, output):
        modes.append(module.training)
        logits.append(output.detach())

    model.register_forward_hook(watch)
    model.train()  # as train_model leaves it
    accuracy = attempt(solution.evaluate, model, _loader(inputs))
    return {"accuracy": accuracy, "modes": modes, "logits": logits}


def test_evaluate_no_grad(solution, inputs):
    model = _linear_model(inputs["weight"], inputs["bias"])
    grad_modes, logits = [], []

    # the logits travel with their requires_grad: the judge reads the grad mode off the values
    def watch(module, args, output):
        grad_modes.append(torch.is_grad_enabled())
        logits.append(output)

    model.register_forward_hook(watch)
    result = attempt(solution.evaluate, model, _loader(inputs))
    return {"result": result, "grad_modes": grad_modes, "logits": logits}


# --- exercise 6: run -----------------------------------------------------------------------------


class _TrainingWatch:
    """Wraps the learner's build_model during run() to keep the models it builds and key every image
    they train on. The hook is global, not the model's own, so torch.save(model) still pickles."""

    def __init__(self, solution):
        self.solution, self.original = solution, solution.build_model
        self.models = []
        self.keys = set()
        self.training_images = 0

    def _seen(self, module, args):
        if (
            any(module is m for m in self.models)
            and module.training
            and torch.is_grad_enabled()
            and args
            and isinstance(args[0], torch.Tensor)
        ):
            keys = fingerprints(args[0])
            self.training_images += len(keys)
            self.keys.update(row.tobytes() for row in keys)

    def build_model(self):
        model = self.original()
        if isinstance(model, nn.Module):
            self.models.append(model)
        return model

    def __enter__(self):
        self.solution.build_model = self.build_model  # run() looks build_model up when it calls it
        self.hook = nn.modules.module.register_module_forward_pre_hook(self._seen)
        return self

    def __exit__(self, *exc):
        self.hook.remove()
        self.solution.build_model = self.original


class CpuBudgetSpent(BaseException):
    """Raised into run() when the process has used its CPU budget. A BaseException, so neither
    `attempt` nor a learner's `except Exception:` turns it into a result and trains on."""


class _CpuBudget:
    """Stops the code inside once this process has used `seconds` more of CPU time, all threads
    together (ITIMER_PROF counts what time.process_time counts), instead of learning it at the end.
    The timer repeats every second until the block ends, so a bare `except:` that swallows one stop
    meets the next."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.armed = False

    def _spent(self, signum, frame):
        if self.armed:
            raise CpuBudgetSpent

    def __enter__(self):
        self.previous = signal.signal(signal.SIGPROF, self._spent)
        self.armed = True
        signal.setitimer(signal.ITIMER_PROF, self.seconds, 1.0)
        return self

    def __exit__(self, *exc):
        # A stop delivered here, before `armed` is off, reaches the caller as one inside the block would;
        # the finally still turns the timer off, so no stop outlives the block.
        try:
            self.armed = False
        finally:
            self.armed = False
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, self.previous)


_RUNS = {}


def _run_once(solution, inputs, tmp_path_factory):
    """run() is the expensive part: the pipeline checks share one run per graded solution. The judge
    sends the CPU budget; a run that passes it is stopped there (`stopped`), its models kept."""
    root, seed = Path(inputs["root"]), inputs["seed"]
    key = (id(solution), seed)
    if key not in _RUNS:
        path = tmp_path_factory.mktemp("run") / "weights.pt"
        start = time.process_time()
        stopped = False
        with _TrainingWatch(solution) as watch:
            try:
                with _CpuBudget(inputs["cpu_budget"]):
                    accuracy = attempt(solution.run, root, path, seed=seed)
            except CpuBudgetSpent:
                accuracy, stopped = None, True
        _RUNS[key] = {
            "accuracy": accuracy,
            "path": path,
            "cpu": time.process_time() - start,
            "stopped": stopped,
            "watch": watch,
        }
    return _RUNS[key]


def _budget(run):
    """What the judge needs to tell a run stopped by the CPU budget: its CPU time and how far it trained."""
    return {"stopped": run["stopped"], "cpu": run["cpu"], "training_images": run["watch"].training_images}


def _predictions(model, images):
    """The model's class indices for the judge's images, in eval mode, on the model's device."""
    model.eval()
    where = next(model.parameters(), torch.empty(0)).device
    with torch.no_grad():
        return torch.cat([model(batch.to(where)).argmax(1).cpu() for batch in images.split(250)])


def _trained_model(run):
    models = run["watch"].models
    return models[-1] if models else None


@pytest.mark.timeout(240)
def test_run_accuracy(solution, inputs, tmp_path_factory):
    run = _run_once(solution, inputs, tmp_path_factory)
    model = _trained_model(run)
    return _budget(run) | {
        "accuracy": run["accuracy"],
        "built": len(run["watch"].models),
        # a stopped run's model too: the judge says how far it got
        "predictions": None if model is None else attempt(_predictions, model, _images(inputs)),
        "untrained": attempt(_untrained_predictions, solution, inputs),
    }


def _untrained_predictions(solution, inputs):
    """The predictions of a fresh build_model() that never trains, on the same images: its accuracy
    must come from training, not from what the model can read or was given."""
    torch.manual_seed(inputs["init_seed"])
    return _predictions(solution.build_model(), _images(inputs))


@pytest.mark.timeout(240)
def test_run_trains_on_train_split(solution, inputs, tmp_path_factory):
    run = _run_once(solution, inputs, tmp_path_factory)
    watch = run["watch"]
    probes = fingerprints(inputs["pixels"])
    return _budget(run) | {
        "accuracy": run["accuracy"],
        "built": len(watch.models),
        "distinct": len(watch.keys),
        "trained": [row.tobytes() in watch.keys for row in probes],
    }


def _weights_sample(state):
    """A state_dict's keys and its first values per entry (the whole of every small one)."""
    if not isinstance(state, dict):
        return state if isinstance(state, Raised) else type(state).__name__
    return {
        name: value.detach().flatten()[:WEIGHTS_SAMPLE] if isinstance(value, torch.Tensor) else value
        for name, value in state.items()
    }


@pytest.mark.timeout(120)
def test_run_uses_seed(solution, inputs, tmp_path, monkeypatch):
    first_batches = []

    def quick_train(model, loader, *args, **kwargs):
        """Stands in for the learner's train_model: the seed only decides the start and the shuffle."""
        first_batches.append(next(iter(loader))[1].clone())
        epochs = kwargs.get("epochs", args[0] if args else 1)
        return [0.0] * int(epochs)

    monkeypatch.setattr(solution, "train_model", quick_train)
    weights, logits = [], []
    for i, (seed, before) in enumerate(zip(inputs["seeds"], inputs["global_seeds"])):
        path = tmp_path / f"weights-{i}.pt"
        torch.manual_seed(before)  # whatever ran before must not matter
        solution.run(Path(inputs["root"]), path, seed=seed)
        state = attempt(torch.load, path, weights_only=True)
        weights.append(_weights_sample(state))
        logits.append(attempt(_reloaded_logits, solution, state, _images(inputs)) if isinstance(state, dict) else None)
    return {"weights": weights, "first_batches": first_batches, "logits": logits}


def _reloaded_logits(solution, state, images):
    """The logits of a fresh build_model() with the saved state_dict, on the judge's images."""
    model = solution.build_model()
    model.load_state_dict(state)
    model.eval()
    with torch.no_grad():
        return model(images)


@pytest.mark.timeout(240)
def test_run_saves_weights(solution, inputs, tmp_path_factory):
    run = _run_once(solution, inputs, tmp_path_factory)
    seen = _budget(run) | {"accuracy": run["accuracy"], "file": run["path"].is_file()}
    if run["stopped"] or isinstance(run["accuracy"], Raised) or not seen["file"]:
        return seen
    state = attempt(torch.load, run["path"], weights_only=True)
    seen["state"] = state if isinstance(state, Raised) else type(state).__name__
    seen["is_dict"] = isinstance(state, dict)
    if not isinstance(state, dict):
        return seen
    torch.manual_seed(inputs["init_seed"])  # the fresh model starts elsewhere than the trained one did
    fresh = solution.build_model()
    seen["loaded"] = attempt(fresh.load_state_dict, state)
    if not isinstance(seen["loaded"], Raised):
        seen["loaded"] = None
        seen["predictions"] = attempt(_predictions, fresh, _images(inputs))
    return seen
