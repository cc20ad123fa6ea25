"""`kata merge`: combine the outputs of `kata batch --shard I/N` into the output one machine would
have written.

Every input is read and checked before anything is written: the shards must come from one shard
count, cover every shard once, hold each learner once, have been graded with the same course
settings, and have graded each kata the same way (kata version, device, torch version, limits), else
the merge is refused with what differs. -o must be a new or empty folder or an earlier merge's output:
never a `kata batch` output, whose gradebook a merge would replace. The merged gradebook is written
aside and moved into place only once complete.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

from grader import exports, gradebook, submissions
from grader.catalog import Catalog, builtin_roots
from grader.errors import KataError
from grader.gradebook import Gradebook
from grader.results import LearnerResult


def merge(outs: list[Path], dest: Path, catalog: Catalog, lang: str = "en", excel: bool = False) -> list[LearnerResult]:
    """Combine shard outputs into `dest`, refusing overlaps (a learner twice) and gaps (a shard missing);
    the roster and course columns the shards saved reach the merged grades.csv."""
    # every input is read and checked before anything is written
    shards = [exports.read_shard(out) for out in outs]
    kata_ids = _covered_once(outs, shards)
    settings = _same_course(outs, shards)
    columns = _columns(catalog, kata_ids)
    if dest.resolve() in {o.resolve() for o in outs}:
        raise KataError("-o must be a new folder, not one of the shard outputs")
    _refuse_to_replace(dest)
    books = [out / "gradebook.sqlite" for out in outs]
    _same_grading(outs, [gradebook.gradings(book, set(s["learners"])) for book, s in zip(books, shards)])
    learners, skipped = _results(outs)
    roster, course = exports.shard_roster(shards), exports.shard_course(shards)
    fresh = not dest.exists() or not any(dest.iterdir())
    dest.mkdir(parents=True, exist_ok=True)
    try:
        _merge_gradebooks(books, dest / "gradebook.sqlite")
        exports.write_all(dest, learners, columns, lang, skipped, excel=excel, roster=roster, course=course)
        # written last, as `kata batch` does: its mark says a later merge may replace this folder
        learner_ids = [lr.learner for lr in learners]
        exports.write_shard(dest, 0, 1, learner_ids, kata_ids, roster, course, settings or "", merged_from=len(outs))
    except BaseException:
        if fresh:  # nothing half-merged is left behind, which a rerun would take for a batch output
            shutil.rmtree(dest, ignore_errors=True)
        raise
    return learners


def _results(outs: list[Path]) -> tuple[list[LearnerResult], list[submissions.Skipped]]:
    """Every shard's learners, sorted, and its skipped entries; a damaged file is never merged half."""
    learners: list[LearnerResult] = []
    skipped: dict[str, submissions.Skipped] = {}
    for out in outs:
        try:
            learners += exports.read_grades(out)
            skipped.update({s.entry: s for s in exports.read_skipped(out)})
        except (ValueError, KeyError, TypeError, csv.Error) as exc:
            raise KataError(f"{out}: grades.json or skipped.csv is damaged ({exc!r}); grade that shard again") from None
    return sorted(learners, key=lambda lr: lr.learner), list(skipped.values())


def _refuse_to_replace(dest: Path) -> None:
    """-o must be new, empty or an earlier merge's output: a merge replaces the gradebook and feedback
    of any other output there, an instructor's only copy when it is a `kata batch` output."""
    if not dest.exists():
        return
    if not dest.is_dir():
        raise KataError.of("out_is_file", out=dest)
    if not any(dest.iterdir()) or exports.is_merge_output(dest):
        return
    if (dest / "gradebook.sqlite").exists() or (dest / exports.SHARD_FILE).exists():
        raise KataError.of("merge_out_batch", out=dest)
    raise KataError.of("merge_out_not_empty", out=dest)


def _same_course(outs: list[Path], shards: list[dict]) -> str | None:
    """The digest of the course settings every shard was graded with (None: graded without a course),
    else a KataError naming two shards: their `final` columns would mix weights."""
    first = exports.shard_course_settings(shards[0])
    for out, shard in zip(outs[1:], shards[1:]):
        mine = exports.shard_course_settings(shard)
        if mine == first:
            continue
        if first is not None and mine is not None:
            raise KataError(
                f"{outs[0]} and {out} were graded with different course settings (--course: weights, due dates "
                "or late penalties); grade them again with the same course.toml"
            )
        with_course, without = (outs[0], out) if mine is None else (out, outs[0])
        raise KataError(
            f"{with_course} was graded with a course (--course) and {without} without one; "
            "grade them again alike, all with the same course.toml or all without"
        )
    return first


def _columns(catalog: Catalog, kata_ids: list[str]) -> Catalog:
    """The shards' katas from `catalog`; a kata it lacks means the shards were graded with another pack."""
    known = {kata.id for kata in catalog}
    lacking = [kata_id for kata_id in kata_ids if kata_id not in known]
    if not lacking:
        return Catalog([catalog.get(kata_id) for kata_id in kata_ids])
    pack = _pack_root(catalog)
    if pack is None:
        raise KataError(
            f"the shards graded kata '{lacking[0]}', which is not built in: they were graded with a pack; "
            "pass the same --katas PATH to `kata merge`"
        )
    raise KataError(
        f"--katas {pack} has no kata '{lacking[0]}', which the shards graded; pass the --katas PATH the shards "
        "were graded with (none for the built-in katas)"
    )


def _pack_root(catalog: Catalog) -> Path | None:
    """The folder of `catalog`'s katas (--katas PATH); None for the built-in katas."""
    roots = {kata.folder.parent.resolve() for kata in catalog}
    return None if roots <= {builtin_roots()[0].resolve()} else sorted(roots)[0]


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
    # a shard without learners grades nothing, so its katas are only its last --only: they do not count
    counted = [(out, s) for out, s in zip(outs, shards) if s["learners"]] or list(zip(outs, shards))
    first_out, first = counted[0]
    for out, shard in counted[1:]:
        if shard["katas"] != first["katas"]:
            raise KataError(
                f"the outputs graded different katas: {first_out} {', '.join(first['katas'])}; {out} "
                f"{', '.join(shard['katas'])}; rerun them with the same --only"
            )
    kata_ids = list(first["katas"])
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
