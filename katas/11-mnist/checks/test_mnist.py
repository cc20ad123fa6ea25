"""Checks for the mnist capstone, judge half: inputs from `rng`, verdicts on what the child observed.

Runs in the `kata` process only; exercise_mnist.py (same function names) runs the learner's code on
these inputs in the grading child. The judge reads the MNIST files itself (grader.idx) and
sends the child the data folder's path and the pixels (uint8, 4 times smaller than float32) of every
image the check's own models need; the child sends back items, batches, logits, weights and
predictions, and every comparison with the true labels happens here. Each docstring: English title,
then Chinese title.
"""

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from grader import expect
from grader.bilingual import Text, both
from grader.idx import read_idx
from grader.observations import Opaque, Raised

MNIST = Path(__file__).resolve().parents[2] / "_shared" / "mnist-5k"
THRESHOLD = 0.88  # the reference reaches about 0.92 (see the README)
CPU_BUDGET = 60.0  # seconds of CPU time (one thread) that run() may use
SEED = 0  # run()'s seed in the pipeline checks (the README promises seed=0)
RUN = f"run(root, weights_path, seed={SEED})"
UNTRAINED_MAX = 0.5  # a randomly initialised network guesses (about 0.1); a lookup scores as if trained
TRAINING_IMAGES = 4000  # in the training split: how many epochs a stopped run() trained for
NEVER_RAN = both("{function} never ran the model", "{function} 从未运行模型")


def _exercise_half():
    """exercise_mnist.py, for `fingerprints`: the training images must be keyed exactly as the child keys
    the images of a batch."""
    spec = importlib.util.spec_from_file_location(f"{__name__}_exercise", Path(__file__).with_name("exercise_mnist.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fingerprints = _exercise_half().fingerprints


def _idx(name):
    """One MNIST file, read by the grader's trusted reader (independent of the learner's)."""
    return read_idx(MNIST / name)


@lru_cache(maxsize=None)
def _split(train):
    """(pixels uint8 (N, 1, 28, 28), labels int64 (N,)) of one split."""
    prefix = "train" if train else "t10k"
    pixels = torch.from_numpy(_idx(f"{prefix}-images-idx3-ubyte.gz").copy()).unsqueeze(1)
    labels = torch.from_numpy(_idx(f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64))
    return pixels, labels


def _scaled(pixels):
    """The README's images: float32 in [0, 1] (the child scales the pixels it gets the same way)."""
    return pixels.float() / 255


def _randint(rng, low, high):
    """An int in [low, high)."""
    return int(torch.randint(low, high, (1,), generator=rng))


def _sample(rng, train, n):
    """The pixels and labels of n images of a split, chosen and ordered by rng."""
    pixels, labels = _split(train)
    chosen = torch.randperm(len(labels), generator=rng)[:n]
    return pixels[chosen], labels[chosen]


def _kind(value):
    return value.type if isinstance(value, Opaque) else type(value).__name__


def _number(value, name: Text) -> float:
    """A returned accuracy as a float: a Python number (NumPy's arrive as one), never a tensor."""
    value = expect.returned(value, name=name)
    assert isinstance(value, (float, int)) and not isinstance(value, bool), both(
        "{name} should return the accuracy as a Python float, got {kind}: .item() turns a one-element tensor "
        "into a number (count the correct predictions with (pred == labels).sum().item())",
        "{name} 应以 Python float 返回准确率，实际得到 {kind}：用 .item() 把只有一个元素的张量变成数字"
        "（统计预测正确的个数时用 (pred == labels).sum().item()）",
    ).format(name=name, kind=_kind(value))
    return float(value)


def _initial_linear(rng):
    """Starting weights for the check's Linear(784, 10), drawn as nn.Linear draws them."""
    bound = 1 / 28  # 1 / sqrt(784)
    weight = torch.empty(10, 28 * 28).uniform_(-bound, bound, generator=rng)
    bias = torch.empty(10).uniform_(-bound, bound, generator=rng)
    return weight, bias


def _logits(images, weight, bias):
    return F.linear(images.flatten(1), weight, bias)


# --- exercise 1: MnistDataset --------------------------------------------------------------------


def _indices(rng, size, extra):
    """The first and last item and `extra` others."""
    return sorted({0, size - 1, *torch.randint(1, size - 1, (extra,), generator=rng).tolist()})


def _check_items(seen, train, indices):
    pixels, labels = _split(train)
    split, split_zh = ("train", "训练") if train else ("test", "测试")
    call = f"MnistDataset(root, train={train})"
    expect.returned(seen["created"], name=call)
    length = expect.returned(seen["length"], name=f"len({call})")
    assert length == len(labels), both(
        f"len({call}) should be {len(labels)}, got {length}", f"len({call}) 应为 {len(labels)}，实际是 {length}"
    ) + ("" if train else both(": use the t10k-* files for the test split", "：测试集请使用 t10k-* 文件"))
    for i, item in zip(indices, seen["items"]):
        expect.returned(item["kind"], name=f"{call}[{i}]")
        assert item["size"] == 2, both(
            f"{call}[{i}] should be a pair (image, label), got {item['kind']}",
            f"{call}[{i}] 应该是一对 (image, label)，实际得到 {item['kind']}",
        )
        image = item["image"]
        name = both(f"the {split} image {i}", f"第 {i} 张{split_zh}图像")
        expect.is_tensor(image, name=name)
        expect.dtype(
            image,
            torch.float32,
            name=name,
            why=both(
                "models use float32: convert with .astype(np.float32) or .float(), not NumPy's float64",
                "模型使用 float32：请用 .astype(np.float32) 或 .float() 转换，不要用 NumPy 的 float64",
            ),
        )
        expect.shape(
            image,
            (1, 28, 28),
            name=name,
            why=both(
                "one channel axis in front: (1, 28, 28), e.g. .unsqueeze(0) on a (28, 28) image",
                "最前面要有一个通道维：(1, 28, 28)，例如对 (28, 28) 的图像做 .unsqueeze(0)",
            ),
        )
        top = float(image.max())
        assert 0.0 <= float(image.min()) and top <= 1.0, both(
            "{name} should have values in [0, 1], got values up to {top}: divide the uint8 pixels (0-255) by 255",
            "{name}的取值应在 [0, 1] 之间，实际最大到 {top}：请把 uint8 像素（0-255）除以 255",
        ).format(name=name, top=f"{top:g}")
        expect.close(
            image,
            _scaled(pixels[i]),
            name=name,
            why=both("pixel / 255, in the file's order", "像素 / 255，按文件中的顺序"),
        )
        label = expect.returned(
            item["label"],
            name=both(f"torch.as_tensor(the {split} label {i})", f"torch.as_tensor(第 {i} 个{split_zh}标签)"),
            why=both("a label should be a number: an int64 class index", "标签应该是一个数：int64 的类别索引"),
        )
        label_name = both(f"the {split} label {i}", f"第 {i} 个{split_zh}标签")
        expect.dtype(
            label,
            torch.int64,
            name=label_name,
            why=both(
                "CrossEntropyLoss wants int64 class indices: .astype(np.int64) or .long()",
                "CrossEntropyLoss 需要 int64 的类别索引：用 .astype(np.int64) 或 .long()",
            ),
        )
        assert label.dim() == 0, both(
            "{name} should be a single number, got shape {shape}", "{name}应该是单个数，实际形状为 {shape}"
        ).format(name=label_name, shape=tuple(label.shape))
        assert int(label) == int(labels[i]), both(
            "{name} should be {want}, got {got}", "{name}应为 {want}，实际是 {got}"
        ).format(name=label_name, want=int(labels[i]), got=int(label))
    first = indices[0]
    again = both(f"{call}[{first}] read a second time", f"第二次读取的 {call}[{first}]")
    expect.close(
        expect.is_tensor(seen["again"], name=again),
        _scaled(pixels[first]),
        name=again,
        why=both(
            "reading an item changed what the dataset holds: an in-place operation (image /= 255, .div_(255)) "
            "on a view of the stored images divides them again at every access, so the second epoch trains on "
            "darker and darker images. Build a new tensor: image = self.images[index] / 255",
            "读取一项数据改变了数据集里保存的内容：对所存图像的视图做原地运算（image /= 255、.div_(255)），"
            "每次访问都会再除一次，于是第二轮训练用的图像越来越暗。请生成新张量：`image = self.images[index] / 255`",
        ),
    )


def test_dataset_train(rng):
    """MnistDataset(train=True) has 4,000 float32 images in [0, 1] with int64 labels
    MnistDataset(train=True) 含 4,000 张取值在 [0, 1] 的 float32 图像和 int64 标签"""
    indices = _indices(rng, 4000, 3)
    seen = yield {"root": str(MNIST), "indices": indices}
    _check_items(seen, True, indices)


def test_dataset_test(rng):
    """MnistDataset(train=False) reads the 1,000 test images
    MnistDataset(train=False) 读取 1,000 张测试图像"""
    indices = _indices(rng, 1000, 2)
    seen = yield {"root": str(MNIST), "indices": indices}
    _check_items(seen, False, indices)


# --- exercise 2: make_loaders --------------------------------------------------------------------


def _batch_size(rng, low, high):
    """A batch size in [low, high) that divides neither split, so both end with a smaller batch."""
    while True:
        size = _randint(rng, low, high)
        if 4000 % size and 1000 % size:
            return size


def test_make_loaders_batches(rng):
    """make_loaders gives shuffled training batches and the test set in order
    make_loaders 给出打乱顺序的训练批次和按原顺序的测试集"""
    # Only the batch size ties the answers to this job (the shuffle's order depends on the learner's
    # style): a wide range makes another job's answers rarely fit.
    size, seed = _batch_size(rng, 33, 400), _randint(rng, 0, 2**31 - 1)
    seen = yield {"root": str(MNIST), "batch_size": size, "seed": seed}
    images, labels = seen["first_images"], seen["first_labels"]
    images_name = both("a training batch of images", "一个训练批次的图像")
    labels_name = both("a training batch of labels", "一个训练批次的标签")
    expect.shape(
        images,
        (size, 1, 28, 28),
        name=both(f"a training batch of images (batch_size={size})", f"一个训练批次的图像（batch_size={size}）"),
    )
    expect.dtype(images, torch.float32, name=images_name)
    expect.dtype(labels, torch.int64, name=labels_name)
    expect.shape(labels, (size,), name=labels_name)
    _, train_labels = _split(True)
    assert labels.tolist() != train_labels[:size].tolist(), both(
        f"the first training batch is the first {size} images in file order: the training loader should shuffle "
        "(shuffle=True), so each epoch sees the images in a new order",
        f"第一个训练批次正是文件顺序中的前 {size} 张图像：训练集 loader 应该打乱顺序（shuffle=True），"
        "让每一轮都以新的顺序看到图像",
    )
    epoch = torch.cat(seen["epoch"])
    assert len(epoch) == len(train_labels) and torch.equal(epoch.sort().values, train_labels.sort().values), both(
        f"one epoch of the training loader gave {len(epoch)} labels, expected each of the 4,000 training images "
        f"once (with batch_size={size} the last batch holds the {4000 % size} left over; drop_last would lose them)",
        f"训练集 loader 的一轮给出了 {len(epoch)} 个标签，应当恰好把 4,000 张训练图像各给出一次"
        f"（batch_size={size} 时，最后一个批次装着剩下的 {4000 % size} 张；drop_last 会丢掉它们）",
    )
    assert not torch.equal(epoch[:size], labels), both(
        "two passes over the training loader start with the same batch: shuffle on every epoch "
        "(DataLoader(..., shuffle=True)) instead of shuffling the data once",
        "两次遍历训练集 loader 都以同一个批次开头：应在每一轮都重新打乱（DataLoader(..., shuffle=True)），"
        "而不是只把数据打乱一次",
    )
    _, test_labels = _split(False)
    expect.matches(
        torch.cat(seen["test"]),
        test_labels,
        name=both("all the test loader's labels, in order", "测试集 loader 按顺序给出的全部标签"),
        why=both(
            "the test loader should cover the 1,000 test images once, unshuffled",
            "测试集 loader 应按原顺序（不打乱）把 1,000 张测试图像各给出一次",
        ),
    )
    sizes = [len(batch) for batch in seen["test"]]
    want = [size] * (len(test_labels) // size) + ([len(test_labels) % size] if len(test_labels) % size else [])
    assert sizes == want, both(
        f"the test loader's batches hold {sizes[:4]}… images, expected batch_size={size} at a time (the last one "
        "holds what is left): both loaders take the batch_size they are given",
        f"测试集 loader 的批次大小是 {sizes[:4]}…，应为每次 batch_size={size} 张（最后一个批次装剩下的）："
        "两个 loader 都要使用传入的 batch_size",
    )


@lru_cache(maxsize=None)
def _train_labels_by_key():
    """The label of every training image, by its key (`fingerprints`)."""
    pixels, labels = _split(True)
    return {row.tobytes(): int(label) for row, label in zip(fingerprints(pixels), labels)}


def _first_batch(batch, size, name):
    """A first training batch's labels, after checking that it holds `size` training images with their
    own labels: the batch size is drawn per job, so the answer is this job's, not another's."""
    labels = batch["labels"]
    expect.shape(
        labels,
        (size,),
        name=both(
            f"the labels of {name}'s first batch (batch_size={size})", f"{name} 第一个批次的标签（batch_size={size}）"
        ),
    )
    keys = batch["keys"]
    assert keys.shape == (size, 98), both(
        f"{name}'s first batch should hold {size} images, got {keys.shape[0]}",
        f"{name} 的第一个批次应包含 {size} 张图像，实际是 {keys.shape[0]} 张",
    )
    by_key = _train_labels_by_key()
    truth = [by_key.get(row.tobytes()) for row in keys]
    assert truth == labels.tolist(), both(
        f"{name}'s first batch pairs its images with other labels than the training files do: keep each image "
        "with its own label",
        f"{name} 的第一个批次给图像配上的标签与训练文件中的不一致：每张图像要和它自己的标签放在一起",
    )
    return labels


def test_make_loaders_reproducible(rng):
    """The same seed gives the same shuffle; another seed another one
    相同的 seed 给出相同的打乱顺序，不同的 seed 给出不同的顺序"""
    seed, other = torch.randperm(10_000, generator=rng)[:2].tolist()
    size = _randint(rng, 20, 1000)  # a wide range, as in test_make_loaders_batches
    seen = yield {"root": str(MNIST), "batch_size": size, "seeds": [seed, other], "draws": _randint(rng, 1, 20)}
    first, again, another = (
        _first_batch(seen[key], size, f"make_loaders(root, seed={s})")
        for key, s in (("first", seed), ("again", seed), ("other", other))
    )
    assert torch.equal(again, first) and np.array_equal(seen["again"]["keys"], seen["first"]["keys"]), both(
        f"make_loaders(root, seed={seed}) gave a different first batch the second time: seed the shuffle with "
        "DataLoader(..., shuffle=True, generator=torch.Generator().manual_seed(seed)); torch.manual_seed "
        "inside make_loaders is not enough, because the order is drawn when iteration starts",
        f"make_loaders(root, seed={seed}) 第二次给出的第一个批次不同：用 "
        "DataLoader(..., shuffle=True, generator=torch.Generator().manual_seed(seed)) 为打乱顺序设定种子；"
        "在 make_loaders 里调用 torch.manual_seed 不够，因为顺序要到开始迭代时才抽取",
    )
    assert not np.array_equal(seen["other"]["keys"], seen["first"]["keys"]), both(
        f"make_loaders with seed={seed} and seed={other} gave the same first batch: use the seed argument",
        f"make_loaders 在 seed={seed} 和 seed={other} 时给出了相同的第一个批次：请使用参数 seed",
    )


# --- exercise 3: build_model ---------------------------------------------------------------------


def _with_repeats(rng, n):
    """n test images, some shown twice at rng-drawn places: (pixels, [(i, j) with image i == image j])."""
    pixels, _ = _sample(rng, False, n)
    order = torch.randperm(n, generator=rng).tolist()
    pairs = [(order[k], order[k + 1]) for k in range(0, 6, 2)]
    for i, j in pairs:
        pixels[j] = pixels[i]
    return pixels, pairs


def _same_rows(out, pairs, name: Text):
    """Rows showing the same image give the same logits (in eval mode, whatever the architecture): the
    repeats are drawn per job, so another job's logits do not fit."""
    for i, j in pairs:
        assert torch.allclose(out[i], out[j], rtol=1e-4, atol=1e-5), both(
            "{name}: images {i} and {j} are the same image but got different logits {a}... and {b}...: in eval mode "
            "the model should give each image the same scores",
            "{name}：第 {i} 张和第 {j} 张是同一张图像，得到的 logits 却不同（{a}... 与 {b}...）："
            "在评估模式下，模型对同一张图像应给出相同的分数",
        ).format(name=name, i=i, j=j, a=out[i][:3].tolist(), b=out[j][:3].tolist())


def _pair(value):
    return tuple(value) if isinstance(value, (list, tuple)) else (value, value)


# The judge has no time limit of its own, so it recomputes only what a real model of this kata costs:
# the reference's CNN is about 5 million multiply-adds an image, the check sends at most 64 images.
MAX_RECOMPUTE_MACS = 2_000_000_000


def _forward(layers, state, x):
    """(the logits of a plain nn.Sequential described by `layers` (see exercise_mnist.LAYERS) in eval
    mode, the multiply-adds that took): on `meta` tensors, the shapes and the cost without the work."""
    macs = 0
    for index, (kind, settings) in enumerate(layers):
        weight, bias = state.get(f"{index}.weight"), state.get(f"{index}.bias")
        if kind == "Flatten":
            x = x.flatten(settings["start_dim"], settings["end_dim"])
        elif kind == "Linear":
            x = F.linear(x, weight, bias)
            macs += x.numel() * weight.shape[-1]
        elif kind == "Conv2d":
            x = F.conv2d(
                x,
                weight,
                bias,
                _pair(settings["stride"]),
                settings["padding"] if isinstance(settings["padding"], str) else _pair(settings["padding"]),  # "same"
                _pair(settings["dilation"]),
                settings["groups"],
            )
            macs += x.numel() * weight[0].numel()
        elif kind == "MaxPool2d":
            x = F.max_pool2d(x, settings["kernel_size"], settings["stride"], settings["padding"], settings["dilation"])
            macs += x.numel() * int(np.prod(_pair(settings["kernel_size"])))
        elif kind == "ReLU":
            x = F.relu(x)
        elif kind in ("Softmax", "LogSoftmax"):
            x = (F.softmax if kind == "Softmax" else F.log_softmax)(x, dim=settings["dim"])
        # Dropout: nothing in eval mode
    return x, macs


def _recomputed(layers, state, images):
    """The logits of the plain nn.Sequential `layers` with the parameters `state`, or None where they
    would cost more than MAX_RECOMPUTE_MACS (then the learner's own logits are not compared)."""
    on_meta = {key: value.to("meta") for key, value in state.items()}
    if _forward(layers, on_meta, images.to("meta"))[1] > MAX_RECOMPUTE_MACS:
        return None
    return _forward(layers, state, images)[0]


def test_build_model(rng):
    """build_model maps (N, 1, 28, 28) images to (N, 10) logits
    build_model 把 (N, 1, 28, 28) 的图像映射为 (N, 10) 的 logits"""
    n = _randint(rng, 8, 64)
    pixels, pairs = _with_repeats(rng, n)
    seen = yield {"pixels": pixels}
    model = expect.returned(seen["model"], name="build_model()")
    assert "out" in seen, both(
        f"build_model() should return an nn.Module, got {model}",
        f"build_model() 应返回一个 nn.Module，实际得到 {model}",
    )
    assert seen["new_each_call"], both(
        "build_model() should build a new model on every call", "build_model() 每次调用都应构建一个新模型"
    )
    assert seen["parameters"], both(
        "build_model()'s model has no parameters to train", "build_model() 返回的模型没有可训练的参数"
    )
    out = seen["out"]
    name = both(f"build_model()(images of shape ({n}, 1, 28, 28))", f"build_model()(形状为 ({n}, 1, 28, 28) 的图像)")
    expect.shape(
        out,
        (n, 10),
        name=name,
        why=both(
            "one score per class (10) for each image; flatten the image before a Linear layer",
            "每张图像的每个类别（共 10 类）各一个分数；在 Linear 层之前先把图像展平",
        ),
    )
    expect.dtype(out, torch.float32, name=both("build_model()'s output", "build_model() 的输出"))
    probabilities = bool((out >= 0).all()) and torch.allclose(out.sum(1), torch.ones(n), atol=1e-4)
    assert not probabilities, both(
        "build_model()'s outputs are probabilities (non-negative, each row sums to 1): drop the final "
        "Softmax. CrossEntropyLoss expects raw logits and applies log-softmax itself",
        "build_model() 的输出是概率（非负，且每行之和为 1）：去掉最后的 Softmax。"
        "CrossEntropyLoss 需要原始 logits，它自己会做 log-softmax",
    )
    _same_rows(out, pairs, name)
    assert not torch.allclose(out, out[:1].expand_as(out)), both(
        "{name} gave every image the same logits {first}...: the scores should depend on the image",
        "{name} 对每张图像都给出了相同的 logits {first}...：分数应该取决于图像",
    ).format(name=name, first=out[0][:3].tolist())
    # a plain nn.Sequential: its logits follow from its parameters
    recomputed = None if seen["layers"] is None else _recomputed(seen["layers"], seen["state"], _scaled(pixels))
    if recomputed is not None:
        expect.close(
            out,
            recomputed,
            name=name,
            rtol=1e-4,
            atol=1e-4,
            why=both(
                "the logits should follow from the model's own layers and parameters",
                "logits 应由模型自己的层和参数算出",
            ),
        )


# --- exercise 4: train_model ---------------------------------------------------------------------


def _epoch_means(seen, labels, batch_size, epochs):
    """Per epoch, the plain cross-entropy A and the all-classes term B of the logits seen, averaged per
    image and per batch. Label smoothing ε gives (1 − ε)·A + ε·B, so both fit every smoothing."""
    batches = [labels[i : i + batch_size] for i in range(0, len(labels), batch_size)]
    means = {"per image": [], "per batch": []}
    for epoch in range(epochs):
        rows = []
        for out, y in zip(seen[epoch * len(batches) : (epoch + 1) * len(batches)], batches):
            log_p = F.log_softmax(out.double(), dim=1)
            rows.append((len(y), F.nll_loss(log_p, y).item(), (-log_p.mean(dim=1)).mean().item()))
        n = sum(r[0] for r in rows)
        means["per image"].append((sum(r[0] * r[1] for r in rows) / n, sum(r[0] * r[2] for r in rows) / n))
        means["per batch"].append((sum(r[1] for r in rows) / len(rows), sum(r[2] for r in rows) / len(rows)))
    return means


def _fits_cross_entropy(history, pairs):
    """Is there one label smoothing ε in [0, 0.5] with history[e] = (1 − ε)·A_e + ε·B_e for every epoch?"""
    num = sum((b - a) * (h - a) for h, (a, b) in zip(history, pairs))
    den = sum((b - a) ** 2 for a, b in pairs)
    eps = min(max(num / den if den else 0.0, 0.0), 0.5)
    return all(abs(h - ((1 - eps) * a + eps * b)) <= 2e-5 * max(1.0, abs(h)) for h, (a, b) in zip(history, pairs))


def _training_inputs(rng, n, batch_size):
    pixels, labels = _sample(rng, True, n)
    weight, bias = _initial_linear(rng)
    return {"pixels": pixels, "labels": labels, "batch_size": batch_size, "weight": weight, "bias": bias}


@pytest.mark.points(2)
def test_train_model_loss(rng):
    """train_model minimises the cross-entropy of the logits over every batch and reports each epoch's mean loss
    train_model 在每个批次上最小化 logits 的交叉熵，并报告每一轮的平均损失"""
    n, epochs = 1000, 3
    batch_size = _randint(rng, 20, 41)
    while n % batch_size == 0:  # a smaller last batch
        batch_size = _randint(rng, 20, 41)
    given = _training_inputs(rng, n, batch_size) | {"epochs": epochs}
    images, labels = _scaled(given["pixels"]), given["labels"]
    batches = -(-n // batch_size)
    seen = yield given
    history = expect.returned(seen["history"], name=f"`train_model(model, loader, epochs={epochs})`")
    assert isinstance(history, (list, tuple)) and len(history) == epochs, both(
        f"`train_model(model, loader, epochs={epochs})` should return a list of {epochs} losses (one per epoch), "
        f"got {history!r:.80}",
        f"`train_model(model, loader, epochs={epochs})` 应返回包含 {epochs} 个损失的列表（每轮一个），"
        f"实际得到 {history!r:.80}",
    )
    assert all(isinstance(v, float) for v in history), both(
        f"the losses should be Python floats (loss.item()), got `{[_kind(v) for v in history]}`",
        f"损失应为 Python float（loss.item()），实际是 `{[_kind(v) for v in history]}`",
    )
    logits = seen["logits"]
    assert len(logits) == epochs * batches, both(
        f"train_model should run the model (with gradients on) once per batch: {epochs} epochs x {batches} batches "
        f"({n:,} images in batches of {batch_size}, the last one smaller) = {epochs * batches} forward passes, got "
        f"{len(logits)}: a leftover `break`, or a loop that skips the last, smaller batch?",
        f"train_model 应在每个批次上（开启梯度）运行一次模型：{epochs} 轮 × {batches} 个批次"
        f"（{n:,} 张图像，每批 {batch_size} 张，最后一批较小）= {epochs * batches} 次前向计算，实际是 "
        f"{len(logits)} 次：是不是留下了 `break`，或者循环跳过了最后那个较小的批次？",
    )
    means = _epoch_means(logits, labels, batch_size, epochs)
    if not any(_fits_cross_entropy(history, pairs) for pairs in means.values()):
        reported = ", ".join(f"{h:.4f}" for h in history)
        plain = ", ".join(f"{a:.4f}" for a, _ in means["per image"])
        raise AssertionError(
            both(
                f"train_model reported the epoch losses {reported}, but the cross-entropy "
                f"of the model's logits on those batches averages {plain}. Pass the raw logits to nn.CrossEntropyLoss "
                "(no softmax first: it applies log-softmax itself; label smoothing is fine) and average loss.item() "
                "over the whole epoch",
                f"train_model 报告的每轮损失是 {reported}，但模型在这些批次上的 logits 的交叉熵平均为 {plain}。"
                "请把原始 logits 传给 nn.CrossEntropyLoss（不要先做 softmax：它自己会做 log-softmax；"
                "用标签平滑没问题），并在整轮上对 loss.item() 求平均",
            )
        )
    before = F.cross_entropy(_logits(images, given["weight"], given["bias"]), labels).item()
    after = F.cross_entropy(
        _logits(images, seen["parameters"]["1.weight"], seen["parameters"]["1.bias"]), labels
    ).item()
    assert after <= 0.99 * before, both(
        f"after {epochs} epochs with train_model's default lr, the cross-entropy on the training images went from "
        f"{before:.4f} to {after:.4f} (at least a 1% drop is expected, whatever the optimizer): are "
        "optimizer.zero_grad(), loss.backward() and optimizer.step() all there, on model.parameters(), and is the "
        "loss minimised (not maximised)?",
        f"用 train_model 的默认 lr 训练 {epochs} 轮后，训练图像上的交叉熵从 {before:.4f} 变为 {after:.4f}"
        "（无论用哪种优化器，都应至少下降 1%）：optimizer.zero_grad()、loss.backward() 和 optimizer.step() "
        "是否都在，优化器是否作用于 model.parameters()，损失是否在被最小化（而不是最大化）？",
    )


def test_train_model_uses_lr(rng):
    """train_model hands its lr argument to the optimizer
    train_model 把参数 lr 交给优化器"""
    given = _training_inputs(rng, 100, _batch_size(rng, 24, 40))
    seen = yield given
    expect.returned(seen["result"], name="`train_model(model, loader, epochs=1, lr=0.0)`")
    assert seen["forward_passes"], NEVER_RAN.format(function="train_model")
    start = {"1.weight": given["weight"], "1.bias": given["bias"]}
    moved = ", ".join(name for name, p in seen["parameters"].items() if not torch.equal(p, start[name]))
    assert not moved, both(
        f"`train_model(model, loader, epochs=1, lr=0.0)` changed {moved}: with a learning rate of 0 no "
        "optimizer moves the weights, so the lr argument is not reaching the optimizer. Build it with "
        "torch.optim.<Name>(model.parameters(), lr=lr) instead of a fixed number",
        f"`train_model(model, loader, epochs=1, lr=0.0)` 改变了 {moved}：学习率为 0 时，任何优化器都不会移动权重，"
        "可见参数 lr 没有传到优化器。请用 torch.optim.<Name>(model.parameters(), lr=lr) 创建优化器，"
        "而不是写死一个数",
    )


def test_train_model_sets_train_mode(rng):
    """train_model puts the model back in training mode
    train_model 把模型切换回训练模式"""
    p = 0.15 + 0.3 * float(torch.rand((), generator=rng))
    given = _training_inputs(rng, 128, _randint(rng, 32, 65)) | {"dropout": p}
    seen = yield given
    expect.returned(seen["result"], name="`train_model(model, loader, epochs=2)`")
    assert seen["modes"], NEVER_RAN.format(function="train_model")
    eval_mode = both(
        "train_model ran the model in eval mode (it was in eval mode when passed in, as after evaluate()): "
        "call model.train() before each epoch's training loop, or dropout and batch norm stay switched off "
        "(also after an evaluate() between epochs)",
        "train_model 在评估模式下运行了模型（传入时模型处于评估模式，就像 evaluate() 之后那样）："
        "请在每一轮的训练循环之前调用 model.train()，否则 dropout 和批归一化（batch norm）会一直处于关闭状态"
        "（两轮之间调用过 evaluate() 时也是如此）",
    )
    assert all(seen["modes"]), eval_mode
    # The Dropout layer's outputs, recomputed from this job's images and p: in training mode each pixel is
    # either dropped (0) or scaled by 1 / (1 - p), and some of every batch's non-zero pixels are dropped.
    batches = _scaled(given["pixels"]).flatten(1).split(given["batch_size"]) * 2  # two epochs, in order
    outputs = seen["dropout_outputs"]
    assert len(outputs) == len(batches), both(
        f"train_model ran the model {len(outputs)} times for two epochs of {len(batches) // 2} batches",
        f"两轮各 {len(batches) // 2} 个批次，train_model 却运行了模型 {len(outputs)} 次",
    )
    for k, (x, out) in enumerate(zip(batches, outputs)):
        name = both(f"the Dropout layer's output on batch {k}", f"Dropout 层在第 {k} 个批次上的输出")
        expect.shape(out, x.shape, name=name)
        kept = torch.isclose(out, x / (1 - p), rtol=1e-5, atol=1e-6)
        dropped = out == 0
        assert bool((kept | dropped).all()), both(
            "{name} does not come from that batch", "{name}并非来自这个批次"
        ).format(name=name)
        assert bool((dropped & (x != 0)).any()), eval_mode


# --- exercise 5: evaluate ------------------------------------------------------------------------

EVAL_BATCH = 300  # evaluate's batches: three full ones and a short last one


def _template(rng):
    """A deterministic classifier without training: the nearest class-mean image of 2,000 training
    images, as a linear layer (argmax of x·m_c - |m_c|²/2 is the class whose mean m_c is closest to x)."""
    pixels, labels = _sample(rng, True, 2000)
    flat = _scaled(pixels).flatten(1)
    means = torch.stack([flat[labels == c].mean(0) for c in range(10)])
    return means, -(means * means).sum(1) / 2


def _batch_accuracies(correct):
    return [batch.double().mean().item() for batch in correct.split(EVAL_BATCH)]


def _evaluation_inputs(rng):
    """The template model and 901 to 1,000 of the 1,000 test images (three full batches and a short one)
    in an order whose batch-mean accuracy differs from the true one. The count varies so that two jobs'
    accuracies (k / n) seldom coincide: a replayed answer from another job fails."""
    weight, bias = _template(rng)
    n = 3 * EVAL_BATCH + 1 + int(torch.randint(100, (1,), generator=rng))
    while True:
        pixels, labels = _sample(rng, False, n)
        correct = _logits(_scaled(pixels), weight, bias).argmax(1) == labels
        accuracy = correct.double().mean().item()
        per_batch = _batch_accuracies(correct)
        if abs(sum(per_batch) / len(per_batch) - accuracy) > 1e-6:
            return {
                "pixels": pixels,
                "labels": labels,
                "batch_size": EVAL_BATCH,
                "weight": weight,
                "bias": bias,
            }, accuracy


def test_evaluate(rng):
    """evaluate returns the fraction of test images classified correctly
    evaluate 返回分类正确的测试图像所占的比例"""
    given, want = _evaluation_inputs(rng)
    n = len(given["labels"])
    seen = yield given
    got = _number(seen, "evaluate")
    if 1.0 < got <= 100.0 and abs(got / 100 - want) < 1e-6:
        raise AssertionError(
            both(
                f"evaluate returned {got:g}, a percentage: return the fraction {want:.4f} (0.0 to 1.0)",
                f"evaluate 返回了 {got:g}，这是百分数：请返回比例 {want:.4f}（0.0 到 1.0）",
            )
        )
    assert abs(got - want) < 1e-6, both(
        f"evaluate should return the accuracy {want:.4f} (correct / total over all {n:,} images), got {got:.4f}; "
        f"with batches of 300, 300, 300 and {n - 900}, averaging the per-batch accuracies is not the same",
        f"evaluate 应返回准确率 {want:.4f}（全部 {n:,} 张图像上的“正确数 / 总数”），实际是 {got:.4f}；"
        f"批次大小为 300、300、300 和 {n - 900} 时，对各批次的准确率求平均并不等于它",
    )


def test_evaluate_eval_mode(rng):
    """evaluate runs the model in eval mode (dropout off)
    evaluate 在评估模式下运行模型（关闭 dropout）"""
    given, want = _evaluation_inputs(rng)
    seen = yield given | {"dropout": 0.5}
    got = _number(seen["accuracy"], "evaluate")
    assert seen["modes"], NEVER_RAN.format(function="evaluate")
    train_mode = both(
        "evaluate ran the model in training mode: call model.eval() first, or dropout keeps dropping "
        "inputs and batch norm uses the batch's statistics",
        "evaluate 在训练模式下运行了模型：请先调用 model.eval()，否则 dropout 会继续丢弃输入，"
        "批归一化（batch norm）也会使用当前批次的统计量",
    )
    assert not any(seen["modes"]), train_mode
    # The logits, recomputed from this job's images and weights: in eval mode dropout changes nothing.
    _logits_seen(seen["logits"], given, why=train_mode)
    assert abs(got - want) < 1e-6, both(
        f"evaluate with dropout in the model should return {want:.4f}, got {got:.4f}",
        f"模型中带 dropout 时，evaluate 应返回 {want:.4f}，实际是 {got:.4f}",
    )


def _logits_seen(seen, given, why: Text):
    """The logits of the evaluation passes are the check's model on this job's images, batch by batch."""
    want = _logits(_scaled(given["pixels"]), given["weight"], given["bias"]).split(given["batch_size"])
    assert len(seen) == len(want), both(
        f"evaluate ran the model {len(seen)} times for {len(want)} batches",
        f"共 {len(want)} 个批次，evaluate 却运行了模型 {len(seen)} 次",
    )
    for k, (got, expected) in enumerate(zip(seen, want)):
        expect.close(
            got,
            expected,
            name=both(
                f"the model's logits on batch {k} during evaluate", f"evaluate 期间模型在第 {k} 个批次上的 logits"
            ),
            why=why,
            rtol=1e-4,
            atol=1e-5,
        )


def test_evaluate_no_grad(rng):
    """evaluate builds no autograd graph (torch.no_grad)
    evaluate 不构建 autograd 计算图（torch.no_grad）"""
    weight, bias = _initial_linear(rng)
    pixels, labels = _sample(rng, False, 200)
    given = {"pixels": pixels, "labels": labels, "batch_size": _randint(rng, 24, 80), "weight": weight, "bias": bias}
    seen = yield given
    expect.returned(seen["result"], name="evaluate(model, loader)")
    assert seen["grad_modes"], NEVER_RAN.format(function="evaluate")
    tracked = both(
        "evaluate ran the model with gradient tracking on: wrap the loop in `with torch.no_grad():` "
        "(evaluation needs no graph; building one wastes time and memory)",
        "evaluate 在开启梯度跟踪的情况下运行了模型：请把循环放进 `with torch.no_grad():` 中"
        "（评估不需要计算图，构建计算图只会浪费时间和内存）",
    )
    assert not any(seen["grad_modes"]), tracked
    # The logits travel with their requires_grad: both are read off the values of this job's batches.
    _logits_seen(seen["logits"], given, why=tracked)
    assert not any(out.requires_grad for out in seen["logits"]), tracked


# --- exercise 6: run -----------------------------------------------------------------------------


NOISE = 16  # of 255: a model that learned digits does not notice (the reference: 0.923 -> 0.922)


def _test_set(rng):
    """The pixels of all 1,000 test images in an order of rng's; their labels stay here."""
    pixels, labels = _split(False)
    order = torch.randperm(len(labels), generator=rng)
    return pixels[order], labels[order]


def _unseen_test_set(rng):
    """The test images as no file holds them: each pixel moved by up to ±NOISE, drawn per job. The test
    files are public (the child reads them too), so a model that looks their pixels up in a table would
    otherwise score what it never learned."""
    pixels, labels = _test_set(rng)
    noise = torch.randint(-NOISE, NOISE + 1, pixels.shape, generator=rng)
    return (pixels.long() + noise).clamp(0, 255).to(torch.uint8), labels


def _ran(seen):
    """run's returned accuracy, after saying what run raised, if it did."""
    return expect.returned(seen["accuracy"], name=RUN)


def _predicted_accuracy(predictions, labels, name: Text) -> float:
    expect.shape(
        predictions,
        labels.shape,
        name=both("the predicted classes of {name} for {n} test images", "{name}对 {n} 张测试图像预测的类别").format(
            name=name, n=f"{len(labels):,}"
        ),
        why=both(
            "build_model()'s model should give (N, 10) logits for (N, 1, 28, 28) images",
            "build_model() 的模型应对 (N, 1, 28, 28) 的图像给出 (N, 10) 的 logits",
        ),
    )
    return (predictions == labels).double().mean().item()


def _run_inputs(pixels) -> dict:
    """The inputs of a check that shares the pipeline's run(): the CPU budget is the judge's to give."""
    return {"root": str(MNIST), "seed": SEED, "pixels": pixels, "cpu_budget": CPU_BUDGET}


def _not_stopped(seen, accuracy: float | None = None) -> None:
    """A failure when the child stopped run() for using up its CPU budget, saying how far it got."""
    if not seen["stopped"]:
        return
    images = seen["training_images"]
    if images:
        when = both(
            "after about {epochs} epochs ({images} training images)", "在训练约 {epochs} 轮（{images} 张训练图像）后"
        ).format(epochs=f"{images / TRAINING_IMAGES:.1f}", images=f"{images:,}")
    else:
        when = both("before it trained on any image", "还没在任何图像上训练就")
    so_far = (
        ""
        if accuracy is None
        else both(", at a test accuracy of {accuracy} by then", "，此时测试准确率为 {accuracy}").format(
            accuracy=f"{accuracy:.4f}"
        )
    )
    raise AssertionError(
        both(
            "{run} used up its CPU budget of {budget} s on one thread and was stopped {when}{so_far}: use fewer "
            "epochs or a smaller model",
            "{run} 用完了 CPU 时间预算（单线程 {budget} 秒），{when}被终止{so_far}：请减少训练轮数或换一个更小的模型",
        ).format(run=RUN, budget=f"{CPU_BUDGET:g}", when=when, so_far=so_far)
    )


def _accuracy_so_far(predictions, labels) -> float | None:
    """The test accuracy of a stopped run's model, when its predictions came back whole."""
    if isinstance(predictions, torch.Tensor) and predictions.shape == labels.shape:
        return (predictions == labels).double().mean().item()
    return None


@pytest.mark.points(4)
def test_run_accuracy(rng, measured):
    """run trains the whole pipeline to at least 88% test accuracy within the time budget
    run 在时间预算内训练完整流程，测试准确率至少 88%"""
    pixels, labels = _unseen_test_set(rng)
    seen = yield _run_inputs(pixels) | {"init_seed": _randint(rng, 0, 10_000)}
    if seen["stopped"]:
        so_far = _accuracy_so_far(seen["predictions"], labels)
        if so_far is not None:
            measured(both("test accuracy when stopped", "终止时的测试准确率"), so_far, f"{so_far:.1%}")
        _not_stopped(seen, so_far)
    _number(seen["accuracy"], RUN)
    assert seen["built"], both(
        f"{RUN} never built a model with build_model() (the check asks the model build_model() returned for "
        "its predictions): build the model with build_model() and train it with train_model()",
        f"{RUN} 从未用 build_model() 构建模型（检查要向 build_model() 返回的模型索取预测）："
        "请用 build_model() 构建模型，再用 train_model() 训练它",
    )
    predictions = expect.returned(
        seen["predictions"], name=both("the trained model on the test images", "训练好的模型在测试图像上")
    )
    accuracy = _predicted_accuracy(predictions, labels, both("the trained model", "训练好的模型"))
    measured(both("test accuracy", "测试准确率"), accuracy, f"{accuracy:.1%}")
    assert seen["cpu"] <= CPU_BUDGET, both(
        f"{RUN} used {seen['cpu']:.1f} s of CPU time (measured with time.process_time); the budget is "
        f"{CPU_BUDGET:g} s on one thread: use fewer epochs or a smaller model",
        f"{RUN} 用了 {seen['cpu']:.1f} 秒 CPU 时间（用 time.process_time 测量）；预算是单线程 {CPU_BUDGET:g} 秒："
        "请减少训练轮数或换一个更小的模型",
    )
    untrained = _predicted_accuracy(
        expect.returned(seen["untrained"], name=both("a fresh build_model()", "新建的 build_model()")),
        labels,
        both("a fresh, untrained build_model()", "新建的、未训练的 build_model()"),
    )
    assert untrained <= UNTRAINED_MAX, both(
        f"a fresh build_model() that never trained already classifies {untrained:.4f} of the 1,000 test images "
        f"correctly (the trained one {accuracy:.4f}); an untrained network guesses, near 0.1. The accuracy must "
        "come from training: build_model() returns a new untrained network, which neither loads weights trained "
        "elsewhere nor looks the answers up in the public test files",
        f"一个从未训练过的新 build_model() 已经能正确分类 1,000 张测试图像中的 {untrained:.4f}"
        f"（训练后的模型为 {accuracy:.4f}）；未经训练的网络只能瞎猜，准确率约为 0.1。准确率必须来自训练："
        "build_model() 应返回一个新的、未训练的网络，既不加载别处训练好的权重，也不在公开的测试文件中查找答案",
    )
    assert accuracy >= THRESHOLD, both(
        f"the model {RUN} trained classifies {accuracy:.4f} of the 1,000 test images (each pixel moved by up to "
        f"±{NOISE} of 255) correctly; at least "
        f"{THRESHOLD} is expected (the README's MLP with Adam at lr=1e-3 for 10 epochs gets about 0.92, its CNN "
        "about 0.97). Usual causes: a missing optimizer.zero_grad() (gradients pile up across batches), a "
        "learning rate too small for the optimizer (SGD wants about 0.1, Adam 1e-3), too few epochs, unnormalised "
        "(0-255) images, or a softmax before CrossEntropyLoss",
        f"{RUN} 训练出的模型在 1,000 张测试图像（每个像素随机改动至多 ±{NOISE}/255）上的准确率为 {accuracy:.4f}，"
        f"至少需要 {THRESHOLD}"
        "（README 中的 MLP 用 Adam、lr=1e-3 训练 10 轮约为 0.92，README 中的 CNN 约为 0.97）。"
        "常见原因：缺少 optimizer.zero_grad()（梯度在批次之间不断累加）、学习率对所用优化器来说太小"
        "（SGD 约需 0.1，Adam 约 1e-3）、训练轮数太少、图像未归一化（仍为 0-255），"
        "或在 CrossEntropyLoss 之前做了 softmax",
    )


TRAIN_PROBES = 200  # training images, among the 1,000 test images, whose use run() must show


def test_run_trains_on_train_split(rng):
    """run trains the model from build_model() on the training images only, never on the test images
    run 只用训练图像训练 build_model() 建出的模型，从不用测试图像训练"""
    test_pixels, _ = _split(False)
    train_pixels, _ = _sample(rng, True, TRAIN_PROBES)
    # every test image and some training images, in an order of this job's: the child says which it trained on
    order = torch.randperm(len(test_pixels) + TRAIN_PROBES, generator=rng)
    from_train = order >= len(test_pixels)
    seen = yield _run_inputs(torch.cat([test_pixels, train_pixels])[order])
    _not_stopped(seen)
    _ran(seen)
    assert seen["built"] and seen["training_images"], both(
        f"{RUN} never trained a model made by build_model() (the check watches the models build_model() "
        "returns): build the model with build_model() and train it with train_model()",
        f"{RUN} 从未训练过由 build_model() 构建的模型（检查监视的是 build_model() 返回的模型）："
        "请用 build_model() 构建模型，再用 train_model() 训练它",
    )
    trained = torch.tensor(seen["trained"], dtype=torch.bool)
    assert trained.shape == from_train.shape, both(
        f"expected {len(from_train)} answers, got {len(trained)}",
        f"应有 {len(from_train)} 个回答，实际得到 {len(trained)} 个",
    )
    from_test = int((trained & ~from_train).sum())
    assert from_test == 0, both(
        f"{from_test} of the {seen['distinct']} different images the model trained on came from the test split: "
        "train on the training loader only. A model that has seen the test images scores too well on them, so "
        "the test accuracy no longer says how it does on new digits",
        f"模型训练过的 {seen['distinct']} 张不同图像中，有 {from_test} 张来自测试集：只能在训练集 loader 上训练。"
        "见过测试图像的模型在这些图像上得分偏高，测试准确率就不再能反映它在新数字上的表现",
    )
    known = int((trained & from_train).sum())
    assert known >= TRAIN_PROBES // 2, both(
        f"the model trained on only {known} of {TRAIN_PROBES} training images the check picked: train on every "
        "batch of the training loader, every epoch",
        f"在检查挑出的 {TRAIN_PROBES} 张训练图像中，模型只训练了 {known} 张：每一轮都要在训练集 loader 的"
        "每个批次上训练",
    )


NO_WEIGHTS_FILE = both("run did not write the weights file at weights_path", "run 没有在 weights_path 写入权重文件")


def _loads(state):
    """A failure when torch.load(weights_only=True) refused the file run wrote."""
    assert not (isinstance(state, Raised) and state.type == "FileNotFoundError"), NO_WEIGHTS_FILE
    if isinstance(state, Raised):
        raise AssertionError(
            both(
                f"torch.load(weights_path, weights_only=True) refused the file run wrote ({state.type}): save "
                "model.state_dict(), not the model object (torch.save(model, path) pickles the class)",
                f"torch.load(weights_path, weights_only=True) 拒绝加载 run 写入的文件（{state.type}）："
                "请保存 model.state_dict()，而不是模型对象（torch.save(model, path) 会把模型的类也 pickle 进去）",
            )
        )


def _a_state_dict(is_dict: bool, got) -> None:
    assert is_dict, both(
        f"the weights file should hold a state_dict (a dict), got {got}",
        f"权重文件中应该是一个 state_dict（dict），实际是 {got}",
    )


def _same(a, b):
    return a.keys() == b.keys() and all(
        torch.equal(a[k], b[k]) if isinstance(a[k], torch.Tensor) else a[k] == b[k] for k in a
    )


def test_run_uses_seed(rng):
    """run(seed=s) is reproducible for the same s and changes with s
    run(seed=s) 对相同的 s 可复现，换一个 s 结果也随之改变"""
    seed, other = torch.randperm(10_000, generator=rng)[:2].tolist()
    global_seeds = torch.randperm(10_000, generator=rng)[:3].tolist()  # whatever ran before must not matter
    n = _randint(rng, 8, 64)
    pixels, pairs = _with_repeats(rng, n)
    seen = yield {"root": str(MNIST), "seeds": [seed, seed, other], "global_seeds": global_seeds, "pixels": pixels}
    weights = []
    for state in seen["weights"]:
        _loads(state)
        _a_state_dict(isinstance(state, dict), state)
        weights.append(state)
    assert _same(weights[0], weights[1]), both(
        f"two runs with seed={seed} saved different weights: seed the model's initial weights with "
        "torch.manual_seed(seed) before build_model()",
        f"两次 seed={seed} 的运行保存了不同的权重：请在 build_model() 之前用 torch.manual_seed(seed) "
        "固定模型的初始权重",
    )
    assert not _same(weights[0], weights[2]), both(
        f"run with seed={seed} and seed={other} saved the same weights: run ignores its seed argument; pass it to "
        "torch.manual_seed(seed) and make_loaders(..., seed=seed) instead of a fixed number",
        f"seed={seed} 和 seed={other} 的两次运行保存了相同的权重：run 忽略了参数 seed；请把它传给 "
        "torch.manual_seed(seed) 和 make_loaders(..., seed=seed)，而不是写死一个数",
    )
    # The saved models' logits on this job's images (repeats included) tie the weights to this job.
    logits = []
    for s, out in zip((seed, seed, other), seen["logits"]):
        name = both(
            f"a fresh build_model() with the weights run(seed={s}) saved, on images of shape ({n}, 1, 28, 28)",
            f"加载了 run(seed={s}) 所存权重的新 build_model()（输入形状为 ({n}, 1, 28, 28) 的图像）",
        )
        expect.shape(expect.returned(out, name=name), (n, 10), name=name)
        _same_rows(out, pairs, name)
        logits.append(out)
    assert torch.equal(logits[0], logits[1]) and not torch.equal(logits[0], logits[2]), both(
        f"fresh build_model() models loaded with the weights of run(seed={seed}) (twice) and run(seed={other}) "
        "should give the same logits for the same weights and other logits for other weights",
        f"分别加载了 run(seed={seed})（两次）和 run(seed={other}) 所存权重的新 build_model() 模型，"
        "权重相同时应给出相同的 logits，权重不同时应给出不同的 logits",
    )
    batches = seen["first_batches"]
    if len(batches) == 3:  # run trained through train_model, so the check saw its loaders
        assert torch.equal(batches[0], batches[1]), both(
            f"two runs with seed={seed} shuffled the training set differently: make_loaders(root, seed=seed)",
            f"两次 seed={seed} 的运行对训练集的打乱顺序不同：请用 make_loaders(root, seed=seed)",
        )
        assert not torch.equal(batches[0], batches[2]), both(
            f"run with seed={seed} and seed={other} shuffled the training set the same way: pass seed to make_loaders",
            f"seed={seed} 和 seed={other} 的两次运行对训练集的打乱顺序相同：请把 seed 传给 make_loaders",
        )


@pytest.mark.points(2)
def test_run_saves_weights(rng):
    """The saved state_dict reloads into a fresh build_model() and reproduces the accuracy
    保存的 state_dict 能加载到新的 build_model() 中并复现准确率"""
    pixels, labels = _test_set(rng)
    seen = yield _run_inputs(pixels) | {"init_seed": _randint(rng, 0, 10_000)}
    _not_stopped(seen)
    _ran(seen)
    assert seen["file"], NO_WEIGHTS_FILE
    _loads(seen["state"])
    _a_state_dict(seen["is_dict"], seen["state"])
    loaded = seen["loaded"]
    if isinstance(loaded, Raised):
        first = loaded.message.splitlines()[0] if loaded.message else ""
        raise AssertionError(
            both(
                f"the saved state_dict does not fit a fresh build_model(): {first}; save the "
                "state_dict of the model built by build_model()",
                f"保存的 state_dict 与新的 build_model() 不匹配：{loaded.type}: {first}；"
                "请保存由 build_model() 构建的那个模型的 state_dict",
            )
        )
    reloaded = _predicted_accuracy(seen["predictions"], labels, both("the reloaded model", "重新加载的模型"))
    returned = _number(seen["accuracy"], RUN)
    assert abs(reloaded - returned) < 1e-6, both(
        f"the reloaded weights reach {reloaded:.4f} on the 1,000 test images, but run returned {returned:.4f}: "
        "save the state_dict after training, and return evaluate(model, test_loader) for that same model "
        "(correct / total over all test images)",
        f"重新加载的权重在 1,000 张测试图像上达到 {reloaded:.4f}，但 run 返回的是 {returned:.4f}："
        "请在训练之后保存 state_dict，并为同一个模型返回 evaluate(model, test_loader)"
        "（全部测试图像上的“正确数 / 总数”）",
    )
