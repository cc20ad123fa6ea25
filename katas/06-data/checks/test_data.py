"""Checks for the data kata, judge half: makes each check's inputs, judges what exercise_data.py saw.
Each docstring: English title, then Chinese title."""

import functools
import gzip
from collections import Counter

import numpy as np
import torch

from grader import expect
from grader.bilingual import Text, both
from grader.idx import read_idx
from grader.observations import Opaque, Raised


def _numpy_rng(rng):
    return np.random.default_rng(int(torch.randint(2**31 - 1, (1,), generator=rng)))


def _seeds(rng, count):
    """`count` different seeds."""
    seeds = []
    while len(seeds) < count:
        seed = int(torch.randint(2**31 - 1, (1,), generator=rng))
        seeds += [] if seed in seeds else [seed]
    return seeds


@functools.cache
def _mnist(folder, prefix):
    """(images, labels) of MNIST's `prefix` ("train" or "t10k") files, read once per process."""
    return read_idx(folder / f"{prefix}-images-idx3-ubyte.gz"), read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz")


def _idx_file(array):
    """A whole gzip IDX file holding `array`, as a uint8 array of its bytes (the child writes it as is):
    the child gets the file, never the values, so it reads them only by parsing the file."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    content = gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)
    return np.frombuffer(content, dtype=np.uint8).copy()


def _kind(value):
    return value.type if isinstance(value, Opaque) else type(value).__name__


def _one_each(seen, cases, what: Text):
    """The exercise returns one observation per case, in order; anything else is not a result of it."""
    if not isinstance(seen, (list, tuple)) or len(seen) != len(cases):
        raise AssertionError(
            both(
                "the check expected {count} results for {what}, got {kind}",
                "{what}：该检查应得到 {count} 个结果，实际得到 {kind}",
            ).format(count=len(cases), what=what, kind=_kind(seen))
        )
    return zip(cases, seen)


def _first_id(rng):
    """Where a dataset of sample ids starts counting: drawn per job, so the ids a child sends back belong
    to this job's inputs (a stream recorded on another job names other samples)."""
    return int(torch.randint(2**20, 2**30, (1,), generator=rng))


def _ids(batches, name: Text, first):
    """The sample ids of an epoch, counted from 0: each batch the default collate's tensor of the ids
    first, first + 1, ..."""
    batches = expect.returned(batches, name)
    if not isinstance(batches, list):
        raise AssertionError(_no_batches(name, batches))
    out = []
    for batch in batches:
        expect.is_tensor(
            batch,
            both("a batch of sample ids", "一批样本 id"),
            why=both("the default collate turns a list of ints into a tensor", "默认的 collate 会把 int 列表变成张量"),
        )
        out += [i - first for i in batch.reshape(-1).tolist()]
    return out


def _no_batches(name: Text, got):
    """The message for an epoch that is not a list of batches (zh names here end in Latin text)."""
    return both("{name} should give batches, got {kind}", "{name} 应当产出批次，实际得到 {kind}").format(
        name=name, kind=_kind(got)
    )


def _each_once(ids, n, name: Text):
    counts = Counter(ids)
    twice = sorted(i for i, c in counts.items() if c > 1)
    missing = sorted(set(range(n)) - set(counts))
    if twice or missing or len(ids) != n:
        raise AssertionError(
            both(
                "{name}: expected each of the {n} samples exactly once, got {count} samples; "
                "repeated: {twice}, missing: {missing}",
                "{name}：{n} 个样本应各出现恰好一次，实际得到 {count} 个样本；重复的：{twice}，缺失的：{missing}",
            ).format(
                name=name,
                n=n,
                count=len(ids),
                twice=f"{twice[:5]}{' ...' if len(twice) > 5 else ''}",
                missing=f"{missing[:5]}{' ...' if len(missing) > 5 else ''}",
            )
        )


# --- exercise 1: read_idx ------------------------------------------------------------------------

_HEADER_WHY = both(
    "the header is 4 bytes plus 4 per dimension (8 bytes for labels, 16 for images): read ndim "
    "from byte 3 and the sizes after it instead of assuming MNIST's 28 x 28 images",
    "文件头是 4 个字节，外加每一维 4 个字节（标签文件共 8 个字节，图像文件共 16 个字节）："
    "从下标为 3 的字节读出 ndim，再读出其后的各维大小，不要假定都是 MNIST 的 28 x 28 图像",
)
_SHAPE_WHY = both(
    "the shape comes from the header (ndim at byte 3, then big-endian int32 sizes) and the values "
    "are the bytes after it as uint8",
    "形状来自文件头（下标为 3 的字节是 ndim，其后是大端序 int32 的各维大小），数值则是文件头之后的字节，按 uint8 读取",
)


def test_read_idx_mnist(rng, kata_data):
    """read_idx reads MNIST's image and label files as uint8 tensors
    read_idx 把 MNIST 的图像与标签文件读成 uint8 张量"""
    names = ["t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    wants = [torch.from_numpy(read_idx(kata_data / name)) for name in names]
    # The files are the same for every job: the child sends their rows in an order drawn here, so what
    # it sends depends on this job's inputs; the rows are put back in place before they are compared.
    orders = [torch.randperm(len(want), generator=rng) for want in wants]
    seen = yield list(zip(names, orders))
    for (name, order, want), got in _one_each(
        seen, list(zip(names, orders, wants)), both("the MNIST files", "各个 MNIST 文件")
    ):
        call = f"read_idx({name})"
        if "out" in got:  # read_idx raised or returned something else than a tensor
            expect.returned(got["out"], call, why=_HEADER_WHY)
            expect.is_tensor(got["out"], call, why=_SHAPE_WHY)
        if tuple(got["shape"]) != tuple(want.shape):
            raise AssertionError(
                both(
                    "{call} should have shape {want}, got {got}. {why}", "{call} 的形状应为 {want}，实际是 {got}。{why}"
                ).format(call=call, want=tuple(want.shape), got=tuple(got["shape"]), why=_SHAPE_WHY)
            )
        rows_name = both(f"the rows of {call}", f"{call} 的各行")
        rows = expect.is_tensor(got["rows"], rows_name)
        expect.shape(rows, want.shape, name=rows_name)
        restored = torch.empty_like(rows)
        restored[order] = rows
        expect.matches(restored, want, name=call, why=_SHAPE_WHY)


def test_read_idx_any_shape(rng):
    """read_idx reads IDX files of any number of dimensions
    read_idx 能读取任意维数的 IDX 文件"""
    generator = _numpy_rng(rng)
    big = [int(n) for n in generator.integers(256, 320, size=3)]
    # sizes above 255, in any position, need all 4 bytes of their header field
    shapes = [(int(generator.integers(2, 12)),), (3, 2, 5), (2, 3, 1, 4), (big[0],), (1, big[1]), (2, 1, 1, big[2])]
    arrays = [generator.integers(0, 256, size=shape).astype(np.uint8) for shape in shapes]
    seen = yield [_idx_file(array) for array in arrays]
    for array, got in _one_each(seen, arrays, both("the IDX files", "各个 IDX 文件")):
        name = both(f"read_idx(an IDX file of shape {array.shape})", f"read_idx(形状为 {array.shape} 的 IDX 文件)")
        expect.returned(got, name, why=_HEADER_WHY)
        expect.matches(got, torch.from_numpy(array), name=name, why=_HEADER_WHY)


# --- exercise 2: MNISTDataset -------------------------------------------------------------------

_IMAGE_WHY = both(
    "expected the bytes / 255 as float32 with a channel axis (1, 28, 28); NumPy's array / 255.0 is "
    "float64, a uint8 image that is never divided stays in 0..255, and / max() depends on the folder "
    "(its brightest pixel need not be 255)",
    "应把字节值 / 255 转成 float32，并加上通道维，得到形状 (1, 28, 28)；NumPy 的 array / 255.0 "
    "得到的是 float64，不做除法的 uint8 图像取值仍在 0..255，而 / max() 取决于文件夹里的数据"
    "（最亮的像素不一定是 255）",
)
_LABEL_DTYPE_WHY = both("class labels must be int64 for CrossEntropyLoss", "CrossEntropyLoss 要求类别标签为 int64")


def _image(images, index):
    return torch.from_numpy(images[index].astype(np.float32) / 255).unsqueeze(0)


def _judge_dataset(seen, images, labels, indices, name: Text, files: Text = "", advice: Text = ""):
    """The observations of exercise_data._observe_dataset: the dataset was made, its length, its items."""
    expect.returned(seen["dataset"], name)
    length = expect.returned(seen["len"], "len(" + name + ")")
    if length != len(labels):
        raise AssertionError(
            both(
                "len({name}) should be {want}{files}, got {got}{advice}",
                "len({name}) 应为 {want}{files}，实际是 {got}{advice}",
            ).format(name=name, want=len(labels), files=files, got=repr(length), advice=advice)
        )
    for i, got in _one_each(seen["items"], indices, both("the items of {name}", "{name} 的各项").format(name=name)):
        item = expect.returned(got["item"], name + f"[{i}]")
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise AssertionError(
                both(
                    "{name}[{i}] should be a pair (image, label), got {kind}",
                    "{name}[{i}] 应为一对 (image, label)，实际得到 {kind}",
                ).format(name=name, i=i, kind=_kind(item))
            )
        image, label = item
        expect.matches(
            image,
            _image(images, i),
            name=both("{name}[{i}] image", "{name}[{i}] 返回的图像").format(name=name, i=i),
            why=_IMAGE_WHY,
        )
        collated = got["label_batch"]
        expect.is_tensor(
            collated,
            both("{name}[{i}] label", "{name}[{i}] 返回的标签").format(name=name, i=i),
            why=both(
                "return the label as an int64 tensor or a Python int", "请把标签作为 int64 张量或 Python int 返回"
            ),
        )
        expect.dtype(
            collated,
            torch.int64,
            name=both("the DataLoader batch of {name}[{i}] label", "{name}[{i}] 的标签经 DataLoader 拼成批次后").format(
                name=name, i=i
            ),
            why=both(
                "class labels must be int64 for CrossEntropyLoss: use .long() (not .float(), not uint8)",
                "CrossEntropyLoss 要求类别标签为 int64：请用 .long()（不要用 .float()，也不要用 uint8）",
            ),
        )
        if collated.shape != (1,) or int(collated[0]) != int(labels[i]):
            raise AssertionError(
                both(
                    "{name}[{i}] label should be the digit {digit} as a 0-d int64 tensor or a Python int, got {got}",
                    "{name}[{i}] 返回的标签应为数字 {digit}（0 维 int64 张量或 Python int），实际是 {got}",
                ).format(name=name, i=i, digit=int(labels[i]), got=repr(label))
            )


def _spread(generator, n, count):
    """`count` different indices of 0..n-1, the first and the last among them."""
    middle = generator.choice(np.arange(1, n - 1), size=count - 2, replace=False)
    return [0, *sorted(int(i) for i in middle), n - 1]


def test_dataset_items(rng, kata_data):
    """MNISTDataset(train=False): length, float32 images in [0, 1], int64 labels
    MNISTDataset(train=False)：长度、[0, 1] 区间的 float32 图像与 int64 标签"""
    images, labels = _mnist(kata_data, "t10k")
    generator = _numpy_rng(rng)
    indices, batch_size = _spread(generator, len(labels), 5), int(generator.integers(8, 33))
    seen = yield {"indices": indices, "batch_size": batch_size}
    name = "MNISTDataset(root, train=False)"
    _judge_dataset(seen, images, labels, indices, name, files=both(" (the t10k files)", "（t10k 文件）"))
    batch = expect.returned(
        seen["batch"],
        both(
            f"the first batch of DataLoader({name}, batch_size={batch_size})",
            f"DataLoader({name}, batch_size={batch_size}) 的第一个批次",
        ),
    )
    if not isinstance(batch, (list, tuple)) or len(batch) != 2:
        raise AssertionError(
            both(
                f"a DataLoader batch of {name} should be [images, labels], got {_kind(batch)}",
                f"{name} 的 DataLoader 批次应为 [images, labels]，实际得到 {_kind(batch)}",
            )
        )
    images_batch, labels_batch = batch
    image_batch_name = both("a DataLoader batch of images", "DataLoader 给出的一批图像")
    label_batch_name = both("a DataLoader batch of labels", "DataLoader 给出的一批标签")
    expect.shape(images_batch, (batch_size, 1, 28, 28), name=image_batch_name)
    expect.dtype(images_batch, torch.float32, name=image_batch_name)
    expect.dtype(labels_batch, torch.int64, name=label_batch_name, why=_LABEL_DTYPE_WHY)
    expect.close(
        images_batch,
        torch.stack([_image(images, i) for i in range(batch_size)]),
        name=image_batch_name,
        why=_IMAGE_WHY,
    )
    expect.close(labels_batch, torch.from_numpy(labels[:batch_size].astype(np.int64)), name=label_batch_name)


def test_dataset_train_split(rng, kata_data):
    """MNISTDataset(root) reads the train files by default
    MNISTDataset(root) 默认读取训练集文件"""
    images, labels = _mnist(kata_data, "train")
    indices = _spread(_numpy_rng(rng), len(labels), 4)
    seen = yield indices
    _judge_dataset(
        seen, images, labels, indices, "MNISTDataset(root)", files=both(" (the train-* files)", "（train-* 文件）")
    )


def test_dataset_other_folder(rng):
    """MNISTDataset reads whatever its folder holds: other counts of images
    MNISTDataset 读取文件夹中实际的内容（图像数量可以不同）"""
    generator = _numpy_rng(rng)
    files, splits, arrays = {}, [], []
    # a folder in MNIST's layout with other counts of random images: nothing may assume 4000 / 1000
    for train, prefix, count in (
        (True, "train", int(generator.integers(20, 60))),
        (False, "t10k", int(generator.integers(5, 20))),
    ):
        # neither 0 nor 255 anywhere: only bytes / 255 gives these values (not / max, not min-max scaling)
        low, high = int(generator.integers(5, 60)), int(generator.integers(150, 250))
        images = generator.integers(low, high + 1, size=(count, 28, 28)).astype(np.uint8)
        labels = generator.integers(0, 10, size=(count,)).astype(np.uint8)
        files[f"{prefix}-images-idx3-ubyte.gz"] = _idx_file(images)
        files[f"{prefix}-labels-idx1-ubyte.gz"] = _idx_file(labels)
        splits.append((train, list(range(count))))
        arrays.append((train, prefix, images, labels))
    seen = yield {"files": files, "splits": splits}
    for (train, prefix, images, labels), got in _one_each(seen, arrays, both("the two splits", "两个划分")):
        name = both(
            f"MNISTDataset(a folder with {len(labels)} {prefix} images, train={train})",
            f"MNISTDataset(含 {len(labels)} 张 {prefix} 图像的文件夹, train={train})",
        )
        _judge_dataset(
            got,
            images,
            labels,
            range(len(labels)),
            name,
            advice=both(
                ": take the length from the data you read (len(self.labels)), not a fixed number",
                "：长度要取自你读到的数据（len(self.labels)），而不是一个固定的数",
            ),
        )


def _same_picture(image, want, name: Text):
    """The copy holds image `want` (its bytes, scaled by 1 / 255 or not): it is that image, not any tensor."""
    values = expect.is_tensor(image, name).detach().double().reshape(-1)
    pixels = torch.from_numpy(want.astype(np.float64)).reshape(-1)
    if values.shape != pixels.shape or not (
        torch.allclose(values, pixels / 255, atol=1e-6) or torch.allclose(values, pixels)
    ):
        raise AssertionError(
            both(
                "{name} does not hold the pixels of that image of the t10k files",
                "{name} 的像素与 t10k 文件里对应的那张图像不符",
            ).format(name=name)
        )


def test_dataset_picklable(rng, kata_data):
    """MNISTDataset survives pickling, as DataLoader workers started with spawn need
    MNISTDataset 可以被 pickle（用 spawn 启动的 DataLoader 工作进程需要这样）"""
    images, labels = _mnist(kata_data, "t10k")
    indices = _spread(_numpy_rng(rng), len(labels), 6)
    seen = yield indices
    expect.returned(seen["dataset"], "MNISTDataset(root, train=False)")
    failure = seen["pickled"]
    if isinstance(failure, Raised):
        first_line = (failure.message.splitlines() or [""])[0]
        raise AssertionError(
            both(
                "pickling MNISTDataset failed ({error}). "
                "On macOS and Windows, DataLoader workers start with 'spawn' and receive the dataset by pickling; "
                "keep only tensors, numbers and strings on self (no lambda, no open file, no generator)",
                "对 MNISTDataset 做 pickle 失败（{error}）。"
                "在 macOS 和 Windows 上，DataLoader 的工作进程以 'spawn' 方式启动，并通过 pickle 接收数据集；"
                "self 上只能保留张量、数字和字符串（不要放 lambda、打开的文件或生成器）",
            ).format(error=f"{failure.type}: {first_line}")
        )
    length, copy_length = expect.returned(seen["len"], "len(MNISTDataset)"), seen["copy_len"]
    if copy_length != length:
        raise AssertionError(
            both(
                f"a pickled copy of MNISTDataset has length {copy_length!r}, the original {length!r}",
                f"MNISTDataset 经 pickle 得到的副本长度为 {copy_length!r}，而原对象的长度为 {length!r}",
            )
        )
    pairs = zip(indices, seen["images"], seen["copy_images"], strict=True)
    for i, original, copy in pairs:
        name = both(f"image {i} of a pickled copy of MNISTDataset", f"MNISTDataset 经 pickle 得到的副本中的图像 {i}")
        expect.returned(original, f"MNISTDataset[{i}][0]")
        original_name = both(f"image {i} of MNISTDataset", f"MNISTDataset 中的图像 {i}")
        expect.matches(copy, expect.is_tensor(original, original_name), name=name)
        _same_picture(copy, images[i], name)


# --- exercise 3: make_loader --------------------------------------------------------------------

_LOADERS = both("the loaders", "各个加载器")


def _one_epoch(name: Text):
    return both("one epoch of {name}", "{name} 的一个 epoch").format(name=name)


def test_loader_batches(rng):
    """make_loader gives batches of batch_size, shuffled, each sample once per epoch
    make_loader 产出 batch_size 大小、打乱顺序、每个 epoch 每个样本恰好一次的批次"""
    generator = _numpy_rng(rng)
    seeds = _seeds(rng, 3)
    small = int(generator.integers(2, 7))
    cases = []
    for n, batch_size in (
        (int(generator.integers(30, 60)), int(generator.integers(4, 10))),
        (int(generator.integers(7, 16)), int(generator.integers(2, 6))),
        (small, small + int(generator.integers(1, 6))),
    ):
        n += n % batch_size == 0  # the last batch keeps a remainder
        cases.append((n, batch_size, seeds[len(cases)], _first_id(rng)))
    seen = yield cases
    for (n, batch_size, _, first), batches in _one_each(seen, cases, _LOADERS):
        name = both(
            f"make_loader({n} samples, batch_size={batch_size})", f"make_loader({n} 个样本, batch_size={batch_size})"
        )
        ids = _ids(batches, _one_epoch(name), first)
        sizes = [len(b) for b in batches]
        want = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
        if sizes != want:
            raise AssertionError(
                both(
                    "{name}: expected batch sizes {want} (the last batch keeps the remainder), got {sizes}",
                    "{name}：各批次大小应为 {want}（最后一个批次保留余下的样本），实际是 {sizes}",
                ).format(name=name, want=want, sizes=sizes)
            )
        _each_once(ids, n, _one_epoch(name))
        # from 12 samples on, a shuffle keeps the original order once in 479 million
        if n >= 12 and ids == list(range(n)):
            raise AssertionError(
                both(
                    "{name} gave the samples in their original order: pass shuffle=True",
                    "{name} 按原始顺序给出了样本：请传入 shuffle=True",
                ).format(name=name)
            )


def test_loader_seeded(rng):
    """make_loader shuffles by its own seeded generator, never the global one
    make_loader 用自己的带种子生成器打乱顺序，而不是全局随机数生成器"""
    global_seed, seed, other_seed = _seeds(rng, 3)  # different: manual_seed(seed) must change the state
    n, batch_size = int(torch.randint(30, 50, (1,), generator=rng)), int(torch.randint(4, 9, (1,), generator=rng))
    first = _first_id(rng)
    seen = yield {
        "global_seed": global_seed,
        "seed": seed,
        "other_seed": other_seed,
        "n": n,
        "batch_size": batch_size,
        "first": first,
    }
    if not torch.equal(seen["state_after"], seen["state_before"]):
        raise AssertionError(
            both(
                "make_loader changed torch's global random state (torch.manual_seed, or a draw from it): "
                "seed a private generator instead, torch.Generator().manual_seed(seed), and pass generator= "
                "to the DataLoader",
                "make_loader 改动了 torch 的全局随机数状态（调用了 torch.manual_seed，或从全局生成器取了随机数）："
                "请改为给一个只属于它的生成器设定种子，即 torch.Generator().manual_seed(seed)，"
                "再通过 generator= 传给 DataLoader",
            )
        )
    name = both(
        f"make_loader({n} samples, batch_size={batch_size}, seed={seed})",
        f"make_loader({n} 个样本, batch_size={batch_size}, seed={seed})",
    )
    epochs = [
        _ids(
            epoch,
            both("epoch {number} of {name}", "{name} 的第 {number} 个 epoch").format(number=number, name=name),
            first,
        )
        for number, epoch in enumerate(seen["first"], 1)
    ]
    for epoch in epochs:
        _each_once(epoch, n, _one_epoch(name))
    if len(epochs) != 2 or epochs[0] == epochs[1]:
        raise AssertionError(
            both(
                "make_loader gave the same order in two epochs: let the DataLoader shuffle (shuffle=True), which "
                "draws a new order every epoch; a permutation drawn once and passed as the sampler repeats",
                "make_loader 在两个 epoch 中给出了相同的顺序：让 DataLoader 来打乱顺序（shuffle=True），"
                "它每个 epoch 都会抽取新的顺序；只抽取一次的排列作为 sampler 传入，每个 epoch 都会重复",
            )
        )
    second = [
        _ids(
            epoch,
            both("epoch {number} of a second {name}", "第二个 {name} 的第 {number} 个 epoch").format(
                number=number, name=name
            ),
            first,
        )
        for number, epoch in enumerate(seen["again"], 1)
    ]
    if second != epochs:
        raise AssertionError(
            both(
                "make_loader with the same seed gave a different order once the global random generator had been "
                "used in between: the order must depend only on seed "
                "(pass generator=torch.Generator().manual_seed(seed))",
                "中途用过全局随机数生成器之后，同一个种子的 make_loader 给出了不同的顺序：顺序只能由 seed 决定"
                "（传入 generator=torch.Generator().manual_seed(seed)）",
            )
        )
    other = [_ids(epoch, f"make_loader(..., seed={other_seed})", first) for epoch in seen["other"]]
    if len(other) != 1 or other[0] == epochs[0]:
        raise AssertionError(
            both(
                f"make_loader gave the same order for seed {seed} and seed {other_seed}: seed the generator with the "
                "seed argument",
                f"make_loader 在种子 {seed} 和种子 {other_seed} 下给出了相同的顺序：请用参数 seed 给生成器设定种子",
            )
        )


def test_loaders_independent(rng):
    """Two loaders made by make_loader keep their own orders when used side by side
    make_loader 创建的两个加载器交替使用时仍各自保持自己的顺序"""
    seeds = _seeds(rng, 2)
    n, batch_size = int(torch.randint(20, 30, (1,), generator=rng)), int(torch.randint(3, 7, (1,), generator=rng))
    first = _first_id(rng)
    seen = yield {"n": n, "batch_size": batch_size, "seeds": seeds, "first": first}
    for seed, alone, side_by_side in zip(seeds, seen["alone"], seen["side_by_side"], strict=True):
        name = both(
            f"make_loader({n} samples, batch_size={batch_size}, seed={seed})",
            f"make_loader({n} 个样本, batch_size={batch_size}, seed={seed})",
        )
        an_epoch = both("an epoch of {name}", "{name} 的一个 epoch").format(name=name)
        alone = [_ids(epoch, an_epoch, first) for epoch in alone]
        side_by_side = [_ids(epoch, an_epoch, first) for epoch in side_by_side]
        for epoch in alone:
            _each_once(epoch, n, _one_epoch(name))
        if len(alone) != 2 or side_by_side != alone:
            raise AssertionError(
                both(
                    f"the loader made with seed {seed} gave another order when a second loader (made with another "
                    "seed) was used beside it: the two share one random generator, so creating or using one moves "
                    "the other; give each DataLoader its own torch.Generator, made and seeded inside make_loader",
                    f"用种子 {seed} 创建的加载器，在旁边同时使用第二个加载器（用另一个种子创建）时给出了不同的顺序："
                    "两者共用同一个随机数生成器，创建或使用其中一个都会改变另一个的顺序；"
                    "请在 make_loader 内部为每个 DataLoader 新建一个 torch.Generator 并设定种子",
                )
            )


def _ids_and_workers(batches, name: Text, changed: Text, first):
    """(sample ids counted from 0, worker ids) of an epoch over IdsWithWorker: each batch [ids, worker ids];
    `changed` says what to do when a batch is not."""
    batches = expect.returned(batches, name)
    if not isinstance(batches, list):
        raise AssertionError(_no_batches(name, batches))
    ids, workers = [], set()
    for batch in batches:
        if not isinstance(batch, (list, tuple)) or len(batch) != 2:
            raise AssertionError(
                both(
                    "{name} gave a batch that is not [sample ids, worker ids]: {changed}",
                    "{name} 给出的某个批次不是 [样本 id, 工作进程 id]：{changed}",
                ).format(name=name, changed=changed)
            )
        sample_ids = expect.is_tensor(batch[0], both("a batch of sample ids", "一批样本 id"))
        ids += [i - first for i in sample_ids.reshape(-1).tolist()]
        workers |= set(
            expect.is_tensor(batch[1], both("a batch of worker ids", "一批工作进程 id")).reshape(-1).tolist()
        )
    return ids, workers


_DEFAULT_COLLATE = both(
    "make_loader changed the batches; keep the DataLoader's default collate_fn",
    "make_loader 改变了批次的内容；请保留 DataLoader 默认的 collate_fn",
)


def test_loader_workers(rng):
    """make_loader with num_workers=2 loads in workers, each sample exactly once
    make_loader 在 num_workers=2 时由工作进程加载，每个样本恰好一次"""
    n, batch_size = int(torch.randint(30, 50, (1,), generator=rng)), int(torch.randint(4, 8, (1,), generator=rng))
    seed, first = _seeds(rng, 1)[0], _first_id(rng)
    seen = yield {"n": n, "batch_size": batch_size, "seed": seed, "first": first}
    name = both(
        f"make_loader({n} samples, batch_size={batch_size}, num_workers=2)",
        f"make_loader({n} 个样本, batch_size={batch_size}, num_workers=2)",
    )
    ids, workers = _ids_and_workers(seen["workers"], _one_epoch(name), _DEFAULT_COLLATE, first)
    _each_once(ids, n, _one_epoch(name))
    if workers != {0, 1}:
        raise AssertionError(
            both(
                f"with num_workers=2 the samples should be loaded by worker processes 0 and 1, got {sorted(workers)} "
                "(-1 is the main process): pass num_workers on to the DataLoader",
                f"num_workers=2 时，样本应由 0 号和 1 号工作进程加载，实际是 {sorted(workers)}（-1 表示主进程）："
                "请把 num_workers 传给 DataLoader",
            )
        )
    in_process = both(f"make_loader({n} samples, num_workers=0)", f"make_loader({n} 个样本, num_workers=0)")
    single, _ = _ids_and_workers(seen["in_process"], _one_epoch(in_process), _DEFAULT_COLLATE, first)
    if single != ids:
        raise AssertionError(
            both(
                "make_loader gave another order with num_workers=2 than with num_workers=0 for the same seed: "
                "the shuffling should come from the seeded generator alone",
                "同一个种子下，make_loader 在 num_workers=2 时给出的顺序与 num_workers=0 时不同："
                "打乱顺序应只取决于设定了种子的生成器",
            )
        )


# --- exercise 4: pad_collate --------------------------------------------------------------------


def _reference_pad(batch):
    longest = max(len(s) for s, _ in batch)
    padded = torch.zeros(len(batch), longest, dtype=torch.int64)
    for row, (s, _) in enumerate(batch):
        padded[row, : len(s)] = s
    return padded, torch.tensor([len(s) for s, _ in batch]), torch.tensor([label for _, label in batch])


_PAD_WHY = both(
    "pad every sequence with zeros to the longest length in this batch (not the first one's length, "
    "not a fixed length); lengths and labels are int64 tensors, lengths the sequences' own lengths "
    "(a token may be 0 itself, so do not count the non-zero entries)",
    "用 0 把每个序列填充（padding）到本批次中最长序列的长度（不是第一个序列的长度，也不是固定长度）；"
    "lengths 和 labels 都是 int64 张量，lengths 是各序列本身的长度（词元本身也可能是 0，所以不要数非零元素）",
)


def _check_padded(out, batch, name: Text):
    out = _collated(out, batch, name)
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise AssertionError(
            both(
                "{name} should return (padded, lengths, labels), got {kind}",
                "{name} 应返回 `(padded, lengths, labels)`，实际得到 {kind}",
            ).format(name=name, kind=_kind(out))
        )
    lengths, want_lengths = out[1], _reference_pad(batch)[1]
    if (
        isinstance(lengths, torch.Tensor)
        and lengths.shape == want_lengths.shape
        and not torch.equal(lengths, want_lengths)
        and torch.equal(lengths.sort().values, want_lengths.sort().values)
    ):  # the right lengths in another order: the rows were reordered (sorted for pack_padded_sequence)
        raise AssertionError(
            both(
                "{name} gave the lengths {got}, expected {want}: the right lengths in another order. Keep the "
                "batch's order (row i is batch[i]); pack_padded_sequence(..., enforce_sorted=False) needs no "
                "sorted batch",
                "{name} 给出的 lengths 是 {got}，应为 {want}：长度都对，但顺序变了。请保持批次原来的顺序"
                "（第 i 行就是 batch[i]）；pack_padded_sequence(..., enforce_sorted=False) 并不需要排好序的批次",
            ).format(name=name, got=lengths.tolist(), want=want_lengths.tolist())
        )
    for got, expected, part in zip(out, _reference_pad(batch), ("padded", "lengths", "labels")):
        expect.matches(
            got,
            expected,
            name=both("{part} from {name}", "{name} 中的 {part}").format(part=part, name=name),
            why=_PAD_WHY,
        )


def _collated(out, batch, name: Text):
    """What pad_collate returned; a RuntimeError on sequences of different lengths is stacking's."""
    if isinstance(out, Raised) and out.type == "RuntimeError" and len({len(s) for s, _ in batch}) > 1:
        raise AssertionError(
            both(
                "{name} failed on sequences of different lengths ({error}): tensors of different "
                "lengths cannot be stacked as they are; pad them first (torch.nn.utils.rnn.pad_sequence)",
                "{name} 在长度不同的序列上出错（{error}）：长度不同的张量不能直接堆叠；"
                "请先填充（padding），例如用 torch.nn.utils.rnn.pad_sequence",
            ).format(name=name, error=out.describe())
        )
    return expect.returned(out, name)


def _sequence(rng, length, zero_last=False):
    """Tokens 0..49; with zero_last the last one is the token 0 (each batch has such a sequence): a real 0
    is not padding, so lengths counted from the non-zero entries come out short."""
    tokens = torch.randint(0, 50, (length,), generator=rng)
    if zero_last:
        tokens[-1] = 0
    return tokens


def _label(rng):
    return int(torch.randint(0, 3, (), generator=rng))


def _lengths(rng, count):
    """`count` lengths in 1..9, the first shorter than the second: padding to the first length cuts."""
    first = int(torch.randint(1, 5, (), generator=rng))
    rest = torch.randint(1, 10, (count - 2,), generator=rng).tolist()
    return [first, int(torch.randint(first + 1, 10, (), generator=rng)), *rest]


def test_pad_collate(rng):
    """pad_collate pads a batch of uneven sequences to its longest one
    pad_collate 把长度不一的序列填充到该批次的最大长度"""
    same = int(torch.randint(1, 6, (), generator=rng))
    all_lengths = [_lengths(rng, 3), _lengths(rng, 5), [same, same], [int(torch.randint(1, 6, (), generator=rng))]]
    cases = [[(_sequence(rng, k, i == 0), _label(rng)) for i, k in enumerate(lengths)] for lengths in all_lengths]
    seen = yield cases
    for batch, got in _one_each(seen, cases, both("the batches", "各个批次")):
        lengths = ", ".join(str(len(s)) for s, _ in batch)
        name = both(f"pad_collate(sequences of lengths {lengths})", f"pad_collate(长度为 {lengths} 的序列)")
        _check_padded(got["out"], batch, name)
        after = got["sequences_after"]
        if len(after) != len(batch) or not all(
            isinstance(s, torch.Tensor) and s.shape == before.shape and torch.equal(s, before)
            for s, (before, _) in zip(after, batch)
        ):
            raise AssertionError(
                both(
                    "{name} changed the sequences it was given: pad copies, leave the inputs alone",
                    "{name} 修改了传给它的序列：填充（padding）要在副本上做，不要改动输入",
                ).format(name=name)
            )


def test_pad_collate_in_loader(rng):
    """pad_collate works as a DataLoader's collate_fn
    pad_collate 可以作为 DataLoader 的 collate_fn 使用"""
    batch_size = 5
    n = int(torch.randint(21, 30, (1,), generator=rng))
    n += n % batch_size == 0  # a shorter last batch
    lengths = _lengths(rng, n)
    items = [(_sequence(rng, k, i % batch_size == 0), _label(rng)) for i, k in enumerate(lengths)]
    seen = yield {"items": items, "batch_size": batch_size}
    name = f"DataLoader(..., batch_size={batch_size}, collate_fn=pad_collate)"
    batches = _collated(seen, items[:batch_size], name)
    count = -(-n // batch_size)
    if not isinstance(batches, list) or len(batches) != count:
        got = len(batches) if isinstance(batches, list) else _kind(batches)
        raise AssertionError(
            both(
                f"{name} over {n} sequences should give {count} batches, got {got}",
                f"{name} 处理 {n} 个序列应得到 {count} 个批次，实际得到 {got}",
            )
        )
    for number, out in enumerate(batches):
        batch_name = both(f"batch {number} of {name}", f"{name} 的批次 {number}")
        _check_padded(out, items[batch_size * number : batch_size * (number + 1)], batch_name)


# --- exercise 5: ShardedStream ------------------------------------------------------------------


def _stream(n):
    return both(f"ShardedStream({n} items)", f"ShardedStream({n} 项)")


def test_stream_single_process(rng):
    """ShardedStream yields every item once in the main process
    ShardedStream 在主进程中每个样本产出一次"""
    n, batch_size = int(torch.randint(10, 20, (1,), generator=rng)), int(torch.randint(3, 6, (1,), generator=rng))
    first = _first_id(rng)
    seen = yield {"n": n, "batch_size": batch_size, "first": first}
    stream = _stream(n)
    expect.returned(seen["stream"], stream)
    if seen["iterable_dataset"] is not True:
        raise AssertionError(
            both(
                "ShardedStream should subclass torch.utils.data.IterableDataset, so that a DataLoader iterates it "
                "instead of indexing it",
                "ShardedStream 应继承 torch.utils.data.IterableDataset，这样 DataLoader 才会迭代它，而不是按下标取数据",
            )
        )
    name = both("iterating {stream} in the main process", "在主进程中迭代 {stream}").format(stream=stream)
    items = expect.returned(seen["items"], name)
    if not isinstance(items, list):
        raise AssertionError(
            both("{name} should give the items, got {kind}", "{name} 应产出各项，实际得到 {kind}").format(
                name=name, kind=_kind(items)
            )
        )
    ids = [i - first if isinstance(i, int) else i for i in items]
    _each_once(ids, n, name)
    if ids != list(range(n)):
        raise AssertionError(
            both(
                "{name} gave every item, in another order (item {at} first): in one process the stream yields "
                "dataset[0], dataset[1], … in order, as a DataLoader without workers reads a file",
                "{name} 产出了所有项，但顺序不对（最先产出的是第 {at} 项）：在单个进程中，流应按 dataset[0]、"
                "dataset[1]、… 的顺序产出，就像不用工作进程的 DataLoader 顺序读取文件那样",
            ).format(name=name, at=ids[0])
        )
    name = "DataLoader(" + stream + f", batch_size={batch_size}, num_workers=0)"
    again = _ids(seen["batches"], name, first)
    if not again:
        raise AssertionError(
            both(
                "{name} gave no items on the second pass over the same stream: every pass calls __iter__ again, so "
                "it must start afresh (a generator with yield does); a position kept on self is used up after one pass",
                "对同一个流的第二轮迭代中 {name} 没有产出任何项：每一轮都会重新调用 __iter__，所以它必须从头开始"
                "（用 yield 的生成器就是这样）；保存在 self 上的位置在迭代一轮之后就用完了",
            ).format(name=name)
        )
    _each_once(again, n, name)


def test_stream_workers(rng):
    """ShardedStream with 2 or 3 workers gives each item exactly once, not once per worker
    ShardedStream 在 2 个或 3 个工作进程时每个样本恰好一次，而不是每个工作进程一次"""
    cases = []
    for low, high, num_workers in ((20, 40, 3), (7, 16, 2)):
        n = int(torch.randint(low, high, (1,), generator=rng))
        cases.append((n + (n % num_workers == 0), num_workers, _first_id(rng)))  # counts the workers do not divide
    seen = yield cases
    for (n, num_workers, first), batches in _one_each(seen, cases, _LOADERS):
        name = "DataLoader(" + _stream(n) + f", num_workers={num_workers})"
        as_they_are = both("yield the wrapped dataset's items as they are", "请原样产出被包装的数据集中的各项")
        ids, workers = _ids_and_workers(batches, name, as_they_are, first)
        try:
            _each_once(ids, n, name)
        except AssertionError as exc:
            raise AssertionError(
                both(
                    "{message}. Each worker runs __iter__ on its own copy of the dataset: use "
                    "torch.utils.data.get_worker_info() (id, num_workers) so every worker yields only its share, "
                    "for any number of workers, and the shares together cover all items (the remainder too)",
                    "{message}。每个工作进程都在自己的那份数据集副本上运行 __iter__：请用 "
                    "torch.utils.data.get_worker_info()（id、num_workers）让每个工作进程只产出属于自己的那一份，"
                    "对任意数量的工作进程都要成立，并且各份合起来要覆盖所有项（包括余下的部分）",
                ).format(message=exc.args[0])
            ) from None
        if workers != set(range(num_workers)):
            raise AssertionError(
                both(
                    "{name}: every worker should load items, got workers {workers} (-1 is the main process)",
                    "{name}：每个工作进程都应加载数据，实际参与加载的是 {workers}（-1 表示主进程）",
                ).format(name=name, workers=sorted(workers))
            )
