"""Checks for the data kata, exercise half: runs the learner's code in the grading child and returns
what it did (lengths, items, batches, random states). It decides nothing: test_data.py judges."""

import multiprocessing
import operator
import pickle

import pytest
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, default_collate, get_worker_info

from grader.exercise import attempt
from grader.observations import Raised


@pytest.fixture
def mnist_dir(kata_data):
    """The real MNIST subset (gzip IDX files): the kata's data folder (kata.toml's `data`)."""
    return kata_data


def _write_files(folder, files):
    """The judge sends whole gzip IDX files as uint8 arrays of their bytes: written here as they are."""
    for name, content in files.items():
        (folder / name).write_bytes(content.tobytes())


class Ids(Dataset):
    """Item i is the Python int first + i, so batches show exactly which samples came (`first` is the
    judge's, drawn per job, so the ids that come back belong to this job)."""

    def __init__(self, n, first):
        self.n, self.first = n, first

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return self.first + index


class IdsWithWorker(Ids):
    """Item i is (first + i, id of the worker process that loaded it, -1 in the main process)."""

    def __getitem__(self, index):
        info = get_worker_info()
        return self.first + index, -1 if info is None else info.id


class Listed(Dataset):
    """The judge's (tokens, label) pairs as a map-style dataset."""

    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def _fork_context():
    """Workers started by fork: they inherit this file's helper datasets without pickling them.

    Linux forks by default up to Python 3.13 (3.14 moves to forkserver, macOS and Windows spawn); the
    learner's dataset is pickled in test_dataset_picklable instead.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs the 'fork' start method for DataLoader workers, which this platform lacks")
    return multiprocessing.get_context("fork")


def _epochs(loader, count):
    """`count` epochs of a loader, each the list of its batches (or what iterating it raised)."""
    if isinstance(loader, Raised):
        return [loader] * count
    return [attempt(list, loader) for _ in range(count)]


# --- exercise 1: read_idx ------------------------------------------------------------------------


def test_read_idx_mnist(solution, mnist_dir, inputs):
    seen = []
    for name, order in inputs:
        out = attempt(solution.read_idx, mnist_dir / name)
        if not isinstance(out, torch.Tensor):
            seen.append({"out": out})
            continue
        # the rows in the judge's order (it restores them): what comes back depends on this job's draw
        seen.append({"shape": tuple(out.shape), "rows": attempt(operator.getitem, out, order)})
    return seen


def test_read_idx_any_shape(solution, tmp_path, inputs):
    seen = []
    for number, content in enumerate(inputs):
        path = tmp_path / f"x{number}.idx.gz"
        _write_files(tmp_path, {path.name: content})
        seen.append(attempt(solution.read_idx, path))
    return seen


# --- exercise 2: MNISTDataset -------------------------------------------------------------------


def _item(dataset, index):
    """dataset[index], and what the DataLoader's default collate makes of its label."""
    item = attempt(operator.getitem, dataset, index)
    pair = isinstance(item, (tuple, list)) and len(item) == 2
    return {"item": item, "label_batch": attempt(default_collate, [item[1]]) if pair else None}


def _observe_dataset(dataset, indices, batch_size=None):
    if isinstance(dataset, Raised):
        return {"dataset": dataset}
    seen = {"dataset": None, "len": attempt(len, dataset), "items": [_item(dataset, i) for i in indices]}
    if batch_size is not None:
        seen["batch"] = attempt(lambda: next(iter(DataLoader(dataset, batch_size=batch_size))))
    return seen


def test_dataset_items(solution, mnist_dir, inputs):
    dataset = attempt(solution.MNISTDataset, mnist_dir, train=False)
    return _observe_dataset(dataset, inputs["indices"], inputs["batch_size"])


def test_dataset_train_split(solution, mnist_dir, inputs):
    return _observe_dataset(attempt(solution.MNISTDataset, mnist_dir), inputs)


def test_dataset_other_folder(solution, tmp_path, inputs):
    _write_files(tmp_path, inputs["files"])
    return [
        _observe_dataset(attempt(solution.MNISTDataset, tmp_path, train=train), indices)
        for train, indices in inputs["splits"]
    ]


def test_dataset_picklable(solution, mnist_dir, inputs):
    dataset = attempt(solution.MNISTDataset, mnist_dir, train=False)
    if isinstance(dataset, Raised):
        return {"dataset": dataset}
    copy = attempt(lambda: pickle.loads(pickle.dumps(dataset)))
    if isinstance(copy, Raised):
        return {"dataset": None, "pickled": copy}
    return {
        "dataset": None,
        "pickled": None,
        "len": attempt(len, dataset),
        "copy_len": attempt(len, copy),
        "images": [attempt(lambda i=i: dataset[i][0]) for i in inputs],
        "copy_images": [attempt(lambda i=i: copy[i][0]) for i in inputs],
    }


# --- exercise 3: make_loader --------------------------------------------------------------------


def test_loader_batches(solution, inputs):
    return [
        _epochs(attempt(solution.make_loader, Ids(n, first), batch_size=batch_size, seed=seed), 1)[0]
        for n, batch_size, seed, first in inputs
    ]


def test_loader_seeded(solution, inputs):
    batch_size, samples = inputs["batch_size"], Ids(inputs["n"], inputs["first"])
    torch.manual_seed(inputs["global_seed"])
    before = torch.get_rng_state()
    loader = attempt(solution.make_loader, samples, batch_size=batch_size, seed=inputs["seed"])
    after = torch.get_rng_state()
    first = _epochs(loader, 2)
    torch.rand(10)  # other code uses the global generator in between
    again = _epochs(attempt(solution.make_loader, samples, batch_size=batch_size, seed=inputs["seed"]), 2)
    other = _epochs(attempt(solution.make_loader, samples, batch_size=batch_size, seed=inputs["other_seed"]), 1)
    return {"state_before": before, "state_after": after, "first": first, "again": again, "other": other}


def test_loaders_independent(solution, inputs):
    n, batch_size, seeds, first = inputs["n"], inputs["batch_size"], inputs["seeds"], inputs["first"]
    alone = [
        _epochs(attempt(solution.make_loader, Ids(n, first), batch_size=batch_size, seed=seed), 2) for seed in seeds
    ]
    loaders = [attempt(solution.make_loader, Ids(n, first), batch_size=batch_size, seed=seed) for seed in seeds]
    side_by_side = [[], []]
    for _ in range(2):  # two epochs, alternating
        for number, loader in enumerate(loaders):
            side_by_side[number] += _epochs(loader, 1)
    return {"alone": alone, "side_by_side": side_by_side}


def test_loader_workers(solution, inputs):
    context = _fork_context()
    n, batch_size, seed, first = inputs["n"], inputs["batch_size"], inputs["seed"], inputs["first"]
    loader = attempt(solution.make_loader, IdsWithWorker(n, first), batch_size=batch_size, seed=seed, num_workers=2)
    if isinstance(loader, DataLoader) and loader.num_workers > 0:
        loader.multiprocessing_context = context
    workers = _epochs(loader, 1)[0]  # before the second loader exists, as a learner would use them
    in_process = attempt(solution.make_loader, IdsWithWorker(n, first), batch_size=batch_size, seed=seed)
    return {"workers": workers, "in_process": _epochs(in_process, 1)[0]}


# --- exercise 4: pad_collate --------------------------------------------------------------------


def test_pad_collate(solution, inputs):
    seen = []
    for batch in inputs:
        out = attempt(solution.pad_collate, batch)
        seen.append({"out": out, "sequences_after": [tokens for tokens, _ in batch]})
    return seen


def test_pad_collate_in_loader(solution, inputs):
    loader = DataLoader(Listed(inputs["items"]), batch_size=inputs["batch_size"], collate_fn=solution.pad_collate)
    return attempt(list, loader)


# --- exercise 5: ShardedStream ------------------------------------------------------------------


def test_stream_single_process(solution, inputs):
    stream = attempt(solution.ShardedStream, Ids(inputs["n"], inputs["first"]))
    if isinstance(stream, Raised):
        return {"stream": stream}
    return {
        "stream": None,
        "iterable_dataset": isinstance(stream, IterableDataset),
        "items": attempt(list, stream),
        "batches": attempt(lambda: list(DataLoader(stream, batch_size=inputs["batch_size"]))),
    }


@pytest.mark.filterwarnings("ignore:This DataLoader will create")  # 3 workers on a 2-core grader is intended
def test_stream_workers(solution, inputs):
    context = _fork_context()
    seen = []
    for n, num_workers, first in inputs:
        stream = attempt(solution.ShardedStream, IdsWithWorker(n, first))
        if isinstance(stream, Raised):
            seen.append(stream)
            continue
        seen.append(
            attempt(
                lambda: list(DataLoader(stream, batch_size=4, num_workers=num_workers, multiprocessing_context=context))
            )
        )
    return seen
