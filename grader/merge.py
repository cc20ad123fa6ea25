"""`kata merge`: combine the outputs of `kata batch --shard I/N` into the output one machine would
have written.

Every input is read and checked before anything is written: the shards must come from one shard
count, cover every shard once, hold each learner once, and have graded each kata the same way (kata
version, device, torch version, limits), else the merge is refused with what differs. The merged
gradebook is written aside and moved into place only once complete.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

from grader import exports, gradebook, submissions
from grader.catalog import Catalog
from grader.errors import KataError
from grader.gradebook import Gradebook
from grader.results import LearnerResult


def merge(outs: list[Path], dest: Path, catalog: Catalog, lang: str = "en", excel: bool = False) -> list[LearnerResult]:
    """Combine shard outputs into `dest`, refusing overlaps (a learner twice) and gaps (a shard missing);
    the roster and course columns the shards saved reach the merged grades.csv."""
    shards = [exports.read_shard(out) for out in outs]
    kata_ids = _covered_once(outs, shards)
    if dest.resolve() in {o.resolve() for o in outs}:
        raise KataError("-o must be a new folder, not one of the shard outputs")
    if dest.exists() and not dest.is_dir():
        raise KataError.of("out_is_file", out=dest)
    # every input is read and checked before anything is written
    books = [out / "gradebook.sqlite" for out in outs]
    _same_grading(outs, [gradebook.gradings(book, set(s["learners"])) for book, s in zip(books, shards)])
    learners: list[LearnerResult] = []
    skipped: dict[str, submissions.Skipped] = {}
    for out in outs:
        try:
            learners += exports.read_grades(out)
            skipped.update({s.entry: s for s in exports.read_skipped(out)})
        except (ValueError, KeyError, TypeError, csv.Error) as exc:  # damaged: never merged half
            raise KataError(f"{out}: grades.json or skipped.csv is damaged ({exc!r}); grade that shard again") from None
    created = not dest.exists()
    dest.mkdir(parents=True, exist_ok=True)
    try:
        _merge_gradebooks(books, dest / "gradebook.sqlite")
    except BaseException:
        if created:  # nothing half-merged is left behind
            shutil.rmtree(dest, ignore_errors=True)
        raise
    learners.sort(key=lambda lr: lr.learner)
    roster, course = exports.shard_roster(shards), exports.shard_course(shards)
    columns = Catalog([catalog.get(k) for k in kata_ids])
    exports.write_all(dest, learners, columns, lang, list(skipped.values()), excel=excel, roster=roster, course=course)
    exports.write_shard(dest, 0, 1, [lr.learner for lr in learners], kata_ids, roster, course)
    return learners


def _covered_once(outs: list[Path], shards: list[dict]) -> list[str]:
    """The katas the shards graded, once they are every shard of one count, each given once, graded
    with the same katas and holding no learner twice; else a KataError saying which."""
    counts = {s["shards"] for s in shards}
    if len(counts) != 1:
        raise KataError(f"the outputs come from different shard counts: {sorted(counts)}")
    count = counts.pop()
    indices = [s["shard"] for s in shards]
    twice = sorted({i for i in indices if indices.count(i) > 1})
    if twice:
        raise KataError(f"overlap: shard {twice[0]}/{count} is given twice")
    missing = sorted(set(range(count)) - set(indices))
    if missing:
        raise KataError(
            f"gap: shard{'s' if len(missing) > 1 else ''} {', '.join(f'{i}/{count}' for i in missing)} missing"
        )
    kata_lists = {tuple(s["katas"]) for s in shards}
    if len(kata_lists) != 1:
        raise KataError("the outputs graded different katas; rerun them with the same --only")
    kata_ids = list(kata_lists.pop())
    owner: dict[str, Path] = {}
    for out, shard in zip(outs, shards):
        for learner in shard["learners"]:
            if learner in owner:
                raise KataError(f"overlap: learner '{learner}' is in both {owner[learner]} and {out}")
            owner[learner] = out
    return kata_ids


def _same_grading(outs: list[Path], gradings: list[dict[str, set[gradebook.Grading]]]) -> None:
    """Refuse shards whose results for one kata come from other checks (kata version) or another setup."""
    first: dict[str, tuple[Path, set[gradebook.Grading]]] = {}
    for out, by_kata in zip(outs, gradings):
        for kata, ways in sorted(by_kata.items()):
            if kata not in first:
                first[kata] = (out, ways)
                continue
            other, known = first[kata]
            if ways == known:
                continue
            label, prefix, name = next(
                (part for part in _GRADING_PARTS if _values(known, part[2]) != _values(ways, part[2])),
                _GRADING_PARTS[-1],  # only the combinations differ: the setups say it
            )
            raise KataError(
                f"{other} and {out} graded {kata} with different {label}: {prefix}{_values(known, name)} in one, "
                f"{prefix}{_values(ways, name)} in the other; grade them again with the same pack and options"
            )


def _values(ways: set[gradebook.Grading], name: str) -> str:
    return ", ".join(sorted({str(getattr(way, name)) for way in ways}))


# what may differ between two shards' results for a kata, in the order an instructor would look:
# (what it is, how a value is shown, the Grading field)
_GRADING_PARTS = (
    ("kata versions", "version ", "kata_version"),
    ("devices", "", "device"),
    ("torch versions", "torch ", "torch_version"),
    ("limits (--timeout, --memory or --disk)", "setup ", "setup"),
)


def _merge_gradebooks(books: list[Path], dest: Path) -> None:
    """One gradebook of every shard's rows, written aside and moved into place only once complete."""
    partial = dest.with_name(f".{dest.name}.merging")
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    try:
        book = Gradebook(partial)
        try:
            for path in books:
                book.copy_from(path)
        finally:
            book.close()
        for stale in (Path(f"{dest}-wal"), Path(f"{dest}-shm")):  # never beside another database
            stale.unlink(missing_ok=True)
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
