"""Hidden checks for the mnist capstone. Each docstring: English title, then Chinese title."""

import gzip
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import torch
import torch._dynamo  # noqa: F401 - building any optimizer imports it (~2 s); import it once, before the fork
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from grader import expect

MNIST = Path(__file__).resolve().parents[2] / "_shared" / "mnist-5k"
THRESHOLD = 0.88          # the reference reaches about 0.92 (see the README)
CPU_BUDGET = 60.0         # seconds of CPU time (one thread) that run() may use
SEED = 0


@lru_cache(maxsize=None)
def _idx(name):
    """The check's own IDX reader (independent of the learner's)."""
    with gzip.open(MNIST / name, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def _split(train):
    prefix = "train" if train else "t10k"
    images = torch.from_numpy(_idx(f"{prefix}-images-idx3-ubyte.gz").astype(np.float32) / 255).unsqueeze(1)
    labels = torch.from_numpy(_idx(f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64))
    return images, labels


def _accuracy(model, images, labels):
    model.eval()
    with torch.no_grad():
        return (model(images).argmax(1) == labels).double().mean().item()


# --- exercise 1: MnistDataset --------------------------------------------------------------------

def _check_items(dataset, train, indices):
    images, labels = _split(train)
    split = "train" if train else "test"
    for i in indices:
        item = dataset[i]
        assert isinstance(item, (tuple, list)) and len(item) == 2, (
            f"MnistDataset(root, train={train})[{i}] should be a pair (image, label), got {type(item).__name__}"
        )
        image, label = item
        expect.is_tensor(image, name=f"the {split} image {i}")
        expect.dtype(image, torch.float32, name=f"the {split} image {i}",
                     why="models use float32: convert with .astype(np.float32) or .float(), not NumPy's float64")
        expect.shape(image, (1, 28, 28), name=f"the {split} image {i}",
                     why="one channel axis in front: (1, 28, 28), e.g. .unsqueeze(0) on a (28, 28) image")
        top = float(image.max())
        assert 0.0 <= float(image.min()) and top <= 1.0, (
            f"the {split} image {i} should have values in [0, 1], got values up to {top:g}: divide the uint8 "
            "pixels (0-255) by 255"
        )
        expect.close(image, images[i], name=f"the {split} image {i}", why="pixel / 255, in the file's order")
        label_tensor = torch.as_tensor(label)
        expect.dtype(label_tensor, torch.int64, name=f"the {split} label {i}",
                     why="CrossEntropyLoss wants int64 class indices: .astype(np.int64) or .long()")
        assert label_tensor.dim() == 0, f"the {split} label {i} should be a single number, got shape {tuple(label_tensor.shape)}"
        assert int(label_tensor) == int(labels[i]), f"the {split} label {i} should be {int(labels[i])}, got {int(label_tensor)}"


def test_dataset_train(solution):
    """MnistDataset(train=True) has 4,000 float32 images in [0, 1] with int64 labels
    MnistDataset(train=True) 含 4,000 张取值在 [0, 1] 的 float32 图像和 int64 标签"""
    dataset = solution.MnistDataset(MNIST, train=True)
    assert len(dataset) == 4000, f"len(MnistDataset(root, train=True)) should be 4000, got {len(dataset)}"
    _check_items(dataset, True, [0, 1, 1234, 3999])


def test_dataset_test(solution):
    """MnistDataset(train=False) reads the 1,000 test images
    MnistDataset(train=False) 读取 1,000 张测试图像"""
    dataset = solution.MnistDataset(MNIST, train=False)
    assert len(dataset) == 1000, (
        f"len(MnistDataset(root, train=False)) should be 1000, got {len(dataset)}: use the t10k-* files for the test split"
    )
    _check_items(dataset, False, [0, 567, 999])


# --- exercise 2: make_loaders --------------------------------------------------------------------

def _first_labels(loader):
    return next(iter(loader))[1].tolist()


def test_make_loaders_batches(solution):
    """make_loaders gives shuffled training batches and the test set in order
    make_loaders 给出打乱顺序的训练批次和按原顺序的测试集"""
    train_loader, test_loader = solution.make_loaders(MNIST, batch_size=50, seed=3)
    images, labels = next(iter(train_loader))
    expect.shape(images, (50, 1, 28, 28), name="a training batch of images (batch_size=50)")
    expect.dtype(images, torch.float32, name="a training batch of images")
    expect.dtype(labels, torch.int64, name="a training batch of labels")
    expect.shape(labels, (50,), name="a training batch of labels")
    _, train_labels = _split(True)
    assert labels.tolist() != train_labels[:50].tolist(), (
        "the first training batch is the first 50 images in file order: the training loader should shuffle "
        "(shuffle=True), so each epoch sees the images in a new order"
    )
    assert _first_labels(train_loader) != labels.tolist(), (
        "two passes over the training loader start with the same batch: shuffle on every epoch "
        "(DataLoader(..., shuffle=True)) instead of shuffling the data once"
    )
    got = torch.cat([batch_labels for _, batch_labels in test_loader])
    _, test_labels = _split(False)
    expect.matches(got, test_labels, name="all the test loader's labels, in order",
                   why="the test loader should cover the 1,000 test images once, unshuffled")


def test_make_loaders_reproducible(solution):
    """The same seed gives the same shuffle; another seed another one
    相同的 seed 给出相同的打乱顺序，不同的 seed 给出不同的顺序"""
    first = _first_labels(solution.make_loaders(MNIST, batch_size=50, seed=3)[0])
    loader, _ = solution.make_loaders(MNIST, batch_size=50, seed=3)
    torch.rand(7)  # other code using the global random state in between must not matter
    again = _first_labels(loader)
    assert again == first, (
        "make_loaders(root, seed=3) gave a different first batch the second time: seed the shuffle with "
        "DataLoader(..., shuffle=True, generator=torch.Generator().manual_seed(seed)); torch.manual_seed "
        "inside make_loaders is not enough, because the order is drawn when iteration starts"
    )
    other = _first_labels(solution.make_loaders(MNIST, batch_size=50, seed=4)[0])
    assert other != first, "make_loaders with seed=3 and seed=4 gave the same first batch: use the seed argument"


# --- exercise 3: build_model ---------------------------------------------------------------------

def test_build_model(solution):
    """build_model maps (N, 1, 28, 28) images to (N, 10) logits
    build_model 把 (N, 1, 28, 28) 的图像映射为 (N, 10) 的 logits"""
    torch.manual_seed(5)
    model = solution.build_model()
    assert isinstance(model, nn.Module), f"build_model() should return an nn.Module, got {type(model).__name__}"
    assert solution.build_model() is not model, "build_model() should build a new model on every call"
    assert any(True for _ in model.parameters()), "build_model()'s model has no parameters to train"
    images, _ = _split(False)
    model.eval()
    with torch.no_grad():
        out = model(images[:8])
    expect.shape(out, (8, 10), name="build_model()(images of shape (8, 1, 28, 28))",
                 why="one score per class (10) for each image; flatten the image before a Linear layer")
    expect.dtype(out, torch.float32, name="build_model()'s output")
    probabilities = bool((out >= 0).all()) and torch.allclose(out.sum(1), torch.ones(8), atol=1e-4)
    assert not probabilities, (
        "build_model()'s outputs are probabilities (non-negative, each row sums to 1): drop the final "
        "Softmax. CrossEntropyLoss expects raw logits and applies log-softmax itself"
    )


# --- exercise 4: train_model ---------------------------------------------------------------------

def _train_subset(n=1024):
    images, labels = _split(True)
    return images[:n], labels[:n]


@pytest.mark.points(2)
def test_train_model_loss(solution):
    """train_model minimises the cross-entropy of the logits and reports each epoch's mean loss
    train_model 最小化 logits 的交叉熵，并报告每一轮的平均损失"""
    images, labels = _train_subset()
    loader = DataLoader(TensorDataset(images, labels), batch_size=64)  # 16 equal batches, in order
    torch.manual_seed(6)
    model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))
    seen = []  # the logits of every training forward pass (extra passes under no_grad are ignored)
    model.register_forward_hook(
        lambda module, inputs, output: seen.append(output.detach().clone()) if torch.is_grad_enabled() else None
    )
    with torch.no_grad():
        before = F.cross_entropy(model(images), labels).item()
    seen.clear()
    history = solution.train_model(model, loader, epochs=2)
    assert isinstance(history, (list, tuple)) and len(history) == 2, (
        f"train_model(model, loader, epochs=2) should return a list of 2 losses (one per epoch), got {history!r:.80}"
    )
    assert all(isinstance(v, float) for v in history), (
        f"the losses should be Python floats (loss.item()), got {[type(v).__name__ for v in history]}"
    )
    assert len(seen) == 32, (
        f"train_model should run the model (with gradients on) once per batch: 2 epochs x 16 batches = 32 "
        f"forward passes, got {len(seen)}"
    )
    batch_labels = [labels[i : i + 64] for i in range(0, len(labels), 64)] * 2
    losses = [F.cross_entropy(out, y).item() for out, y in zip(seen, batch_labels)]
    for epoch in range(2):
        want = sum(losses[16 * epoch : 16 * (epoch + 1)]) / 16
        assert abs(history[epoch] - want) <= 1e-4 * max(1.0, abs(want)), (
            f"epoch {epoch + 1}: train_model reported a mean loss of {history[epoch]:.4f}, but the cross-entropy "
            f"of the model's logits on those batches averages {want:.4f}. Pass the raw logits to "
            "nn.CrossEntropyLoss (no softmax first: it applies log-softmax itself) and average over the epoch"
        )
    with torch.no_grad():
        after = F.cross_entropy(model(images), labels).item()
    assert after <= 0.8 * before, (
        f"after 2 epochs the loss on the training images only went from {before:.3f} to {after:.3f} (expected "
        "at most 80% of the start): is the learning rate too small, or are zero_grad/backward/step missing?"
    )


def test_train_model_sets_train_mode(solution):
    """train_model puts the model back in training mode
    train_model 把模型切换回训练模式"""
    images, labels = _train_subset(128)
    loader = DataLoader(TensorDataset(images, labels), batch_size=64)
    torch.manual_seed(7)
    model = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(28 * 28, 10))
    modes = []
    model.register_forward_hook(lambda module, inputs, output: modes.append(module.training))
    model.eval()  # as evaluate() leaves it
    solution.train_model(model, loader, epochs=1)
    assert modes, "train_model never ran the model"
    assert all(modes), (
        "train_model ran the model in eval mode (it was in eval mode when passed in, as after evaluate()): "
        "call model.train() before the training loop, or dropout and batch norm stay switched off"
    )


# --- exercise 5: evaluate ------------------------------------------------------------------------

def _template_model(dropout=0.0):
    """A deterministic classifier without training: the nearest class-mean image, as a linear layer
    (argmax of x·m_c - |m_c|²/2 is the class whose mean m_c is closest to x)."""
    images, labels = _split(True)
    flat = images[:2000].flatten(1)
    means = torch.stack([flat[labels[:2000] == c].mean(0) for c in range(10)])
    linear = nn.Linear(28 * 28, 10)
    with torch.no_grad():
        linear.weight.copy_(means)
        linear.bias.copy_(-(means * means).sum(1) / 2)
    return nn.Sequential(nn.Flatten(), nn.Dropout(dropout), linear)


def _test_loader(batch_size=300):
    images, labels = _split(False)
    return DataLoader(TensorDataset(images, labels), batch_size=batch_size)  # batches 300, 300, 300, 100


def test_evaluate(solution):
    """evaluate returns the fraction of test images classified correctly
    evaluate 返回分类正确的测试图像所占的比例"""
    model = _template_model()
    images, labels = _split(False)
    want = _accuracy(model, images, labels)
    got = solution.evaluate(model, _test_loader())
    assert isinstance(got, (float, int)) or (isinstance(got, torch.Tensor) and got.numel() == 1), (
        f"evaluate should return a Python float, got {type(got).__name__}"
    )
    got = float(got)
    if 1.0 < got <= 100.0 and abs(got / 100 - want) < 1e-6:
        raise AssertionError(f"evaluate returned {got:g}, a percentage: return the fraction {want:.4f} (0.0 to 1.0)")
    assert abs(got - want) < 1e-6, (
        f"evaluate should return the accuracy {want:.4f} (correct / total over all 1,000 images), got {got:.4f}; "
        "with batches of 300, 300, 300 and 100, averaging the per-batch accuracies is not the same"
    )


def test_evaluate_eval_mode(solution):
    """evaluate runs the model in eval mode (dropout off)
    evaluate 在评估模式下运行模型（关闭 dropout）"""
    model = _template_model(dropout=0.5)
    modes = []
    model.register_forward_hook(lambda module, inputs, output: modes.append(module.training))
    images, labels = _split(False)
    want = _accuracy(model, images, labels)
    model.train()  # as train_model leaves it
    modes.clear()
    torch.manual_seed(8)
    got = float(solution.evaluate(model, _test_loader()))
    assert modes, "evaluate never ran the model"
    assert not any(modes), (
        "evaluate ran the model in training mode: call model.eval() first, or dropout keeps dropping "
        "inputs and batch norm uses the batch's statistics"
    )
    assert abs(got - want) < 1e-6, f"evaluate with dropout in the model should return {want:.4f}, got {got:.4f}"


def test_evaluate_no_grad(solution):
    """evaluate builds no autograd graph (torch.no_grad)
    evaluate 不构建 autograd 计算图（torch.no_grad）"""
    model = _template_model()
    grad_modes = []
    model.register_forward_hook(lambda module, inputs, output: grad_modes.append(torch.is_grad_enabled()))
    solution.evaluate(model, _test_loader())
    assert grad_modes, "evaluate never ran the model"
    assert not any(grad_modes), (
        "evaluate ran the model with gradient tracking on: wrap the loop in `with torch.no_grad():` "
        "(evaluation needs no graph; building one wastes time and memory)"
    )


# --- exercise 6: run -----------------------------------------------------------------------------

_RUNS = {}


def _run_once(solution, folder):
    """run() is the expensive part: both pipeline checks share one run per graded solution."""
    key = id(solution)
    if key not in _RUNS:
        path = folder / "weights.pt"
        start = time.process_time()
        try:
            accuracy = solution.run(MNIST, path, seed=SEED)
        except BaseException as exc:  # noqa: BLE001 - remembered, so the second check reports it too
            _RUNS[key] = exc
            raise
        _RUNS[key] = (accuracy, path, time.process_time() - start)
    outcome = _RUNS[key]
    if isinstance(outcome, BaseException):
        raise outcome  # the same error (and the learner's line) for the second check
    return outcome


@pytest.mark.points(4)
@pytest.mark.timeout(240)
def test_run_accuracy(solution, tmp_path_factory):
    """run trains the whole pipeline to at least 88% test accuracy within the time budget
    run 在时间预算内训练完整流程，测试准确率至少 88%"""
    accuracy, _, cpu = _run_once(solution, tmp_path_factory.mktemp("run"))
    assert isinstance(accuracy, (float, int)) or (isinstance(accuracy, torch.Tensor) and accuracy.numel() == 1), (
        f"run should return the test accuracy as a Python float, got {type(accuracy).__name__}"
    )
    accuracy = float(accuracy)
    assert cpu <= CPU_BUDGET, (
        f"run took {cpu:.1f} s of CPU time; the budget is {CPU_BUDGET:g} s on one thread: use fewer epochs "
        "or a smaller model"
    )
    assert accuracy >= THRESHOLD, (
        f"run(root, weights_path, seed={SEED}) reached a test accuracy of {accuracy:.4f}; at least {THRESHOLD} "
        "is expected (a small MLP with Adam at lr=1e-3 for 10 epochs gets about 0.92). Usual causes: a learning "
        "rate that is too small, too few epochs, unnormalised (0-255) images, or a softmax before CrossEntropyLoss"
    )


@pytest.mark.points(2)
@pytest.mark.timeout(240)
def test_run_saves_weights(solution, tmp_path_factory):
    """The saved state_dict reloads into a fresh build_model() and reproduces the accuracy
    保存的 state_dict 能加载到新的 build_model() 中并复现准确率"""
    accuracy, path, _ = _run_once(solution, tmp_path_factory.mktemp("run"))
    assert Path(path).is_file(), "run did not write the weights file at weights_path"
    try:
        state = torch.load(path, weights_only=True)
    except Exception:  # noqa: BLE001 - any refusal means the file is not a plain state_dict
        raise AssertionError(
            "torch.load(weights_path, weights_only=True) refused the file run wrote: save model.state_dict(), "
            "not the model object (torch.save(model, path) pickles the class)"
        ) from None
    assert isinstance(state, dict), f"the weights file should hold a state_dict (a dict), got {type(state).__name__}"
    torch.manual_seed(9)
    fresh = solution.build_model()
    try:
        fresh.load_state_dict(state)
    except RuntimeError as exc:
        raise AssertionError(
            f"the saved state_dict does not fit a fresh build_model(): {str(exc).splitlines()[0]}; save the "
            "state_dict of the model built by build_model()"
        ) from None
    images, labels = _split(False)
    reloaded = _accuracy(fresh, images, labels)
    assert abs(reloaded - float(accuracy)) < 1e-6, (
        f"the reloaded weights reach {reloaded:.4f} on the 1,000 test images, but run returned {float(accuracy):.4f}: "
        "save the state_dict after training, and return evaluate(model, test_loader) for that same model "
        "(correct / total over all test images)"
    )
