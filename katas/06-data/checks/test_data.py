"""Hidden checks for the data kata. Each docstring: English title, then Chinese title."""

import gzip
import multiprocessing
import pickle
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset, default_collate, get_worker_info

from grader import expect

MNIST = Path(__file__).resolve().parents[2] / "_shared" / "mnist-5k"


@pytest.fixture
def mnist_dir():
    """The real MNIST subset (gzip IDX files), shipped with the katas."""
    return MNIST


def _parse_idx(path):
    """The checks' own IDX reader (NumPy): the values read_idx and the dataset are compared with."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = [int(n) for n in np.frombuffer(data, dtype=">i4", count=ndim, offset=4)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


class Ids(Dataset):
    """Item i is the Python int i, so batches show exactly which samples came."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return index


class IdsWithWorker(Ids):
    """Item i is (i, id of the worker process that loaded it, -1 in the main process)."""

    def __getitem__(self, index):
        info = get_worker_info()
        return index, -1 if info is None else info.id


class Sequences(Dataset):
    """Variable-length token sequences (1-D int64) with an int label."""

    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        lengths = torch.randint(1, 10, (n,), generator=g).tolist()
        self.items = [(torch.randint(1, 50, (k,), generator=g), int(torch.randint(0, 3, (), generator=g)))
                      for k in lengths]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def _ids(batches):
    out = []
    for batch in batches:
        expect.is_tensor(batch, "a batch of sample ids", why="the default collate turns a list of ints into a tensor")
        out += batch.tolist()
    return out


def _each_once(ids, n, name):
    counts = Counter(ids)
    twice = sorted(i for i, c in counts.items() if c > 1)
    missing = sorted(set(range(n)) - set(counts))
    if twice or missing or len(ids) != n:
        raise AssertionError(
            f"{name}: expected each of the {n} samples exactly once, got {len(ids)} samples; "
            f"repeated: {twice[:5]}{' ...' if len(twice) > 5 else ''}, "
            f"missing: {missing[:5]}{' ...' if len(missing) > 5 else ''}"
        )


def _fork_context():
    """Workers started by fork: they inherit these checks' helper datasets without pickling them.

    Linux forks by default up to Python 3.13 (3.14 moves to forkserver, macOS and Windows spawn); the
    learner's dataset is pickled in test_dataset_picklable instead.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs the 'fork' start method for DataLoader workers, which this platform lacks")
    return multiprocessing.get_context("fork")


# --- exercise 1: read_idx ------------------------------------------------------------------------

_HEADER_WHY = ("the header is 4 bytes plus 4 per dimension (8 bytes for labels, 16 for images): read ndim "
               "from byte 3 and the sizes after it instead of assuming MNIST's 28 x 28 images")


def _read_idx(solution, path, name):
    try:
        return solution.read_idx(path)
    except NotImplementedError:  # a RuntimeError too: the stub's "not started yet" must stay itself
        raise
    except (RuntimeError, ValueError, IndexError, TypeError) as exc:
        first_line = (str(exc).splitlines() or [""])[0]
        raise AssertionError(f"{name} raised {type(exc).__name__}: {first_line}; {_HEADER_WHY}") from None


def test_read_idx_mnist(solution, mnist_dir):
    """read_idx reads MNIST's image and label files as uint8 tensors
    read_idx 把 MNIST 的图像与标签文件读成 uint8 张量"""
    for name in ("t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        want = torch.from_numpy(_parse_idx(mnist_dir / name).copy())
        expect.matches(
            _read_idx(solution, mnist_dir / name, f"read_idx({name})"), want, name=f"read_idx({name})",
            why="the shape comes from the header (ndim at byte 3, then big-endian int32 sizes) and the "
                "values are the bytes after it as uint8",
        )


def test_read_idx_any_shape(solution, tmp_path):
    """read_idx reads IDX files of any number of dimensions
    read_idx 能读取任意维数的 IDX 文件"""
    rng = np.random.default_rng(0)
    # sizes above 255, in any position, need all 4 bytes of their header field
    for shape in ((7,), (3, 2, 5), (2, 3, 1, 4), (300,), (1, 257), (2, 1, 1, 260)):
        array = rng.integers(0, 256, size=shape).astype(np.uint8)
        path = tmp_path / f"x{len(shape)}.idx.gz"
        _write_idx(path, array)
        name = f"read_idx(an IDX file of shape {shape})"
        expect.matches(_read_idx(solution, path, name), torch.from_numpy(array), name=name, why=_HEADER_WHY)


# --- exercise 2: MNISTDataset -------------------------------------------------------------------


def _check_items(ds, images, labels, indices, name):
    for i in indices:
        item = ds[i]
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise AssertionError(f"{name}[{i}] should be a pair (image, label), got {type(item).__name__}")
        image, label = item
        expect.matches(
            image, torch.from_numpy(images[i].astype(np.float32) / 255).unsqueeze(0), name=f"{name}[{i}] image",
            why="expected the bytes / 255 as float32 with a channel axis (1, 28, 28); NumPy's array / 255.0 is "
                "float64, and a uint8 image that is never divided stays in 0..255",
        )
        collated = default_collate([label])
        expect.is_tensor(collated, f"{name}[{i}] label", why="return the label as an int64 tensor or a Python int")
        expect.dtype(
            collated, torch.int64, name=f"the DataLoader batch of {name}[{i}] label",
            why="class labels must be int64 for CrossEntropyLoss: use .long() (not .float(), not uint8)",
        )
        if collated.shape != (1,) or int(collated[0]) != int(labels[i]):
            raise AssertionError(
                f"{name}[{i}] label should be the digit {int(labels[i])} as a 0-d int64 tensor or a Python int, "
                f"got {label!r}"
            )


def test_dataset_items(solution, mnist_dir):
    """MNISTDataset(train=False): length, float32 images in [0, 1], int64 labels
    MNISTDataset(train=False)：长度、[0, 1] 区间的 float32 图像与 int64 标签"""
    images = _parse_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")
    labels = _parse_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")
    ds = solution.MNISTDataset(mnist_dir, train=False)
    if len(ds) != len(labels):
        raise AssertionError(
            f"len(MNISTDataset(root, train=False)) should be {len(labels)} (the t10k files), got {len(ds)}"
        )
    _check_items(ds, images, labels, (0, 1, 17, 500, len(labels) - 1), "MNISTDataset(root, train=False)")
    images_batch, labels_batch = next(iter(DataLoader(ds, batch_size=16)))
    expect.shape(images_batch, (16, 1, 28, 28), name="a DataLoader batch of images")
    expect.dtype(images_batch, torch.float32, name="a DataLoader batch of images")
    expect.dtype(labels_batch, torch.int64, name="a DataLoader batch of labels",
                 why="class labels must be int64 for CrossEntropyLoss")


def test_dataset_train_split(solution, mnist_dir):
    """MNISTDataset(root) reads the train files by default
    MNISTDataset(root) 默认读取训练集文件"""
    images = _parse_idx(mnist_dir / "train-images-idx3-ubyte.gz")
    labels = _parse_idx(mnist_dir / "train-labels-idx1-ubyte.gz")
    ds = solution.MNISTDataset(mnist_dir)
    if len(ds) != len(labels):
        raise AssertionError(f"len(MNISTDataset(root)) should be {len(labels)} (the train-* files), got {len(ds)}")
    _check_items(ds, images, labels, (3, 2024, len(labels) - 1), "MNISTDataset(root)")


def _small_mnist(folder, counts, seed):
    """A folder in MNIST's layout with `counts` = (train, test) random images: nothing may assume 4000/1000."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for prefix, count in zip(("train", "t10k"), counts):
        images = rng.integers(0, 256, size=(count, 28, 28)).astype(np.uint8)
        labels = rng.integers(0, 10, size=(count,)).astype(np.uint8)
        _write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
        _write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)
        arrays[prefix] = (images, labels)
    return arrays


def test_dataset_other_folder(solution, tmp_path):
    """MNISTDataset reads whatever its folder holds: other counts of images
    MNISTDataset 读取文件夹中实际的内容（图像数量可以不同）"""
    arrays = _small_mnist(tmp_path, (37, 11), seed=3)
    for train, prefix in ((True, "train"), (False, "t10k")):
        images, labels = arrays[prefix]
        name = f"MNISTDataset(a folder with {len(labels)} {prefix} images, train={train})"
        ds = solution.MNISTDataset(tmp_path, train=train)
        if len(ds) != len(labels):
            raise AssertionError(
                f"len({name}) should be {len(labels)}, got {len(ds)}: take the length from the data you read "
                "(len(self.labels)), not a fixed number"
            )
        _check_items(ds, images, labels, range(len(labels)), name)


def test_dataset_picklable(solution, mnist_dir):
    """MNISTDataset survives pickling, as DataLoader workers started with spawn need
    MNISTDataset 可以被 pickle（用 spawn 启动的 DataLoader 工作进程需要这样）"""
    ds = solution.MNISTDataset(mnist_dir, train=False)
    try:
        copy = pickle.loads(pickle.dumps(ds))
    except Exception as exc:  # noqa: BLE001 - any failure to pickle is the learner's to fix
        raise AssertionError(
            f"pickling MNISTDataset failed ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}). "
            "On macOS and Windows, DataLoader workers start with 'spawn' and receive the dataset by pickling; "
            "keep only tensors, numbers and strings on self (no lambda, no open file, no generator)"
        ) from None
    if len(copy) != len(ds):
        raise AssertionError(f"a pickled copy of MNISTDataset has length {len(copy)}, the original {len(ds)}")
    for i in (0, 999):
        expect.matches(copy[i][0], ds[i][0], name=f"image {i} of a pickled copy of MNISTDataset")


# --- exercise 3: make_loader --------------------------------------------------------------------


def test_loader_batches(solution):
    """make_loader gives batches of batch_size, shuffled, each sample once per epoch
    make_loader 产出 batch_size 大小、打乱顺序、每个 epoch 每个样本恰好一次的批次"""
    for n, batch_size, seed in ((50, 8, 0), (7, 3, 1), (5, 10, 2)):
        name = f"make_loader({n} samples, batch_size={batch_size})"
        batches = list(solution.make_loader(Ids(n), batch_size=batch_size, seed=seed))
        sizes = [len(b) for b in batches]
        want = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
        if sizes != want:
            raise AssertionError(
                f"{name}: expected batch sizes {want} (the last batch keeps the remainder), got {sizes}"
            )
        ids = _ids(batches)
        _each_once(ids, n, f"one epoch of {name}")
        if n > 5 and ids == list(range(n)):
            raise AssertionError(f"{name} gave the samples in their original order: pass shuffle=True")


def test_loader_seeded(solution):
    """make_loader shuffles by its own seeded generator, never the global one
    make_loader 用自己的带种子生成器打乱顺序，而不是全局随机数生成器"""
    torch.manual_seed(1234)
    state = torch.get_rng_state()
    loader = solution.make_loader(Ids(40), batch_size=8, seed=5)
    if not torch.equal(torch.get_rng_state(), state):
        raise AssertionError(
            "make_loader changed torch's global random state (torch.manual_seed, or a draw from it): "
            "seed a private generator instead, torch.Generator().manual_seed(seed), and pass generator= "
            "to the DataLoader"
        )
    first = [_ids(loader), _ids(loader)]  # two epochs
    if first[0] == first[1]:
        raise AssertionError(
            "make_loader gave the same order in two epochs: let the DataLoader shuffle (shuffle=True)"
        )
    torch.rand(10)  # other code uses the global generator in between
    again = solution.make_loader(Ids(40), batch_size=8, seed=5)
    second = [_ids(again), _ids(again)]
    if second != first:
        raise AssertionError(
            "make_loader with the same seed gave a different order once the global random generator had been "
            "used in between: the order must depend only on seed "
            "(pass generator=torch.Generator().manual_seed(seed))"
        )
    other = [_ids(solution.make_loader(Ids(40), batch_size=8, seed=6))]
    if other[0] == first[0]:
        raise AssertionError(
            "make_loader gave the same order for seed 5 and seed 6: seed the generator with the seed argument"
        )


def test_loaders_independent(solution):
    """Two loaders made by make_loader keep their own orders when used side by side
    make_loader 创建的两个加载器交替使用时仍各自保持自己的顺序"""
    alone = {}
    for seed in (5, 6):
        loader = solution.make_loader(Ids(24), batch_size=5, seed=seed)
        alone[seed] = [_ids(loader), _ids(loader)]
    first, second = solution.make_loader(Ids(24), batch_size=5, seed=5), solution.make_loader(Ids(24), batch_size=5, seed=6)
    side_by_side = {5: [], 6: []}
    for _ in range(2):  # two epochs, alternating
        side_by_side[5].append(_ids(first))
        side_by_side[6].append(_ids(second))
    for seed in (5, 6):
        if side_by_side[seed] != alone[seed]:
            raise AssertionError(
                f"the loader made with seed {seed} gave another order when a second loader (made with another seed) "
                "was used beside it: the two share one random generator, so creating or using one moves the other; "
                "give each DataLoader its own torch.Generator, made and seeded inside make_loader"
            )


def test_loader_workers(solution):
    """make_loader with num_workers=2 loads in workers, each sample exactly once
    make_loader 在 num_workers=2 时由工作进程加载，每个样本恰好一次"""
    context = _fork_context()
    loader = solution.make_loader(IdsWithWorker(45), batch_size=6, seed=3, num_workers=2)
    if isinstance(loader, DataLoader) and loader.num_workers > 0:
        loader.multiprocessing_context = context
    ids, workers = [], set()
    for batch in loader:
        if not isinstance(batch, (list, tuple)) or len(batch) != 2:
            raise AssertionError("make_loader changed the batches: use the DataLoader's default collate_fn")
        ids += batch[0].tolist()
        workers |= set(batch[1].tolist())
    _each_once(ids, 45, "one epoch of make_loader(45 samples, batch_size=6, num_workers=2)")
    if workers != {0, 1}:
        raise AssertionError(
            f"with num_workers=2 the samples should be loaded by worker processes 0 and 1, got {sorted(workers)} "
            "(-1 is the main process): pass num_workers on to the DataLoader"
        )
    in_process = solution.make_loader(IdsWithWorker(45), batch_size=6, seed=3)
    single = [i for batch in in_process for i in batch[0].tolist()]
    if single != ids:
        raise AssertionError(
            "make_loader gave another order with num_workers=2 than with num_workers=0 for the same seed: "
            "the shuffling should come from the seeded generator alone"
        )


# --- exercise 4: pad_collate --------------------------------------------------------------------


def _reference_pad(batch):
    longest = max(len(s) for s, _ in batch)
    padded = torch.zeros(len(batch), longest, dtype=torch.int64)
    for row, (s, _) in enumerate(batch):
        padded[row, : len(s)] = s
    return padded, torch.tensor([len(s) for s, _ in batch]), torch.tensor([label for _, label in batch])


def _check_padded(out, want, name):
    """`want` is _reference_pad(batch), worked out before the learner's code ran."""
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise AssertionError(f"{name} should return (padded, lengths, labels), got {type(out).__name__}")
    for got, expected, part in zip(out, want, ("padded", "lengths", "labels")):
        expect.matches(
            got, expected, name=f"{part} from {name}",
            why="pad every sequence with zeros to the longest length in this batch (not the first one's length, "
                "not a fixed length); lengths and labels are int64 tensors",
        )


def _uneven_failure(exc, name):
    """Turn 'stack expects each tensor to be equal size' into advice; other errors stay as they are."""
    text = str(exc)
    if isinstance(exc, RuntimeError) and ("stack expects" in text or "equal size" in text or "must match" in text):
        return AssertionError(
            f"{name} failed on sequences of different lengths ({text.splitlines()[0]}): tensors of different "
            "lengths cannot be stacked as they are; pad them first (torch.nn.utils.rnn.pad_sequence)"
        )
    return None


def test_pad_collate(solution):
    """pad_collate pads a batch of uneven sequences to its longest one
    pad_collate 把长度不一的序列填充到该批次的最大长度"""
    cases = (
        [(torch.tensor([5, 6]), 1), (torch.tensor([7, 8, 9, 10]), 0), (torch.tensor([11]), 2)],
        [(torch.tensor([3]), 1), (torch.tensor([4, 0, 9]), 2), (torch.tensor([8, 8]), 0), (torch.tensor([1, 2, 3, 4, 5]), 1),
         (torch.tensor([6, 7]), 0)],
        [(torch.tensor([1, 2, 3]), 0), (torch.tensor([4, 5, 6]), 1)],
        [(torch.tensor([9, 9, 9, 9]), 2)],
    )
    for batch in cases:
        name = f"pad_collate(sequences of lengths {', '.join(str(len(s)) for s, _ in batch)})"
        want = _reference_pad(batch)
        saved = [s.clone() for s, _ in batch]
        try:
            out = solution.pad_collate(batch)
        except NotImplementedError:
            raise
        except RuntimeError as exc:
            raise (_uneven_failure(exc, name) or exc) from None
        _check_padded(out, want, name)
        if not all(torch.equal(s, before) for (s, _), before in zip(batch, saved)):
            raise AssertionError(f"{name} changed the sequences it was given: pad copies, leave the inputs alone")


def test_pad_collate_in_loader(solution):
    """pad_collate works as a DataLoader's collate_fn
    pad_collate 可以作为 DataLoader 的 collate_fn 使用"""
    ds = Sequences(23, seed=7)
    loader = DataLoader(ds, batch_size=5, collate_fn=solution.pad_collate)
    name = "DataLoader(..., batch_size=5, collate_fn=pad_collate)"
    try:
        batches = list(loader)
    except RuntimeError as exc:
        raise (_uneven_failure(exc, name) or exc) from None
    if len(batches) != 5:
        raise AssertionError(f"{name} over 23 sequences should give 5 batches, got {len(batches)}")
    for number, out in enumerate(batches):
        batch = [ds[i] for i in range(5 * number, min(5 * number + 5, len(ds)))]
        _check_padded(out, _reference_pad(batch), f"batch {number} of {name}")


# --- exercise 5: ShardedStream ------------------------------------------------------------------


def test_stream_single_process(solution):
    """ShardedStream yields every item once in the main process
    ShardedStream 在主进程中每个样本产出一次"""
    stream = solution.ShardedStream(Ids(13))
    if not isinstance(stream, torch.utils.data.IterableDataset):
        raise AssertionError(
            "ShardedStream should subclass torch.utils.data.IterableDataset, so that a DataLoader iterates it "
            "instead of indexing it"
        )
    items = list(stream)
    _each_once(items, 13, "iterating ShardedStream(13 items) in the main process")
    _each_once(_ids(DataLoader(stream, batch_size=4)), 13, "DataLoader(ShardedStream(13 items), num_workers=0)")


@pytest.mark.filterwarnings("ignore:This DataLoader will create")  # 3 workers on a 2-core grader is intended
def test_stream_workers(solution):
    """ShardedStream with 2 or 3 workers gives each item exactly once, not once per worker
    ShardedStream 在 2 个或 3 个工作进程时每个样本恰好一次，而不是每个工作进程一次"""
    context = _fork_context()
    for n, num_workers in ((31, 3), (9, 2)):  # counts the workers do not divide
        stream = solution.ShardedStream(IdsWithWorker(n))
        name = f"DataLoader(ShardedStream({n} items), num_workers={num_workers})"
        ids, workers = [], set()
        for batch in DataLoader(stream, batch_size=4, num_workers=num_workers, multiprocessing_context=context):
            ids += batch[0].tolist()
            workers |= set(batch[1].tolist())
        try:
            _each_once(ids, n, name)
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}. Each worker runs __iter__ on its own copy of the dataset: use "
                "torch.utils.data.get_worker_info() (id, num_workers) so every worker yields only its share, "
                "for any number of workers, and the shares together cover all items (the remainder too)"
            ) from None
        if workers != set(range(num_workers)):
            raise AssertionError(
                f"{name}: every worker should load items, got workers {sorted(workers)} (-1 is the main process)"
            )
