"""`kata batch`: grade a class. Find submissions, keep this shard's learners, grade what changed.

Every (learner, kata) job runs through the same warm worker as `kata grade` (one parent, fresh
forked children, `workers` at a time). A job whose key (learner, kata, content hash, kata version)
is already in the gradebook is not graded again unless `force`. Each result is committed as it
arrives, so a killed batch resumes where it stopped. Sharding is a pure function of the learner id
(sha256), so a rerun of shard I/N grades exactly the same learners.

Before anyone is graded, the batch says which sandbox protections are not active on this machine
(or refuses to start with `require_isolation`) and grades every kata's reference on the chosen
device (preflight.py): if that falls short of full marks, the machine is broken, not the class.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, TextIO

from grader import exports, preflight, sandbox, submissions
from grader.catalog import Catalog, Kata
from grader.errors import KataError
from grader.gradebook import Gradebook, Key
from grader.results import KataResult, LearnerResult
from grader.runner import grade_many, unloadable_result
from grader.sandbox import Limits
from grader.worker import Job, Worker

CLEAN_STATUSES = ("passed", "failed")


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    def owns(self, learner: str) -> bool:
        return shard_of(learner, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(learner: str, count: int) -> int:
    return int.from_bytes(hashlib.sha256(learner.encode("utf-8")).digest()[:8], "big") % count


def resolve_shard(shard: str | None, shards: int | None, env: Mapping[str, str] = os.environ) -> Shard:
    """`--shard I/N`; else `--shards N` with the index from Slurm or Kubernetes; else Slurm alone; else 0/1."""
    if shard is not None:
        index_text, _, count_text = shard.partition("/")
        if not (index_text.isdigit() and count_text.isdigit()):
            raise KataError(f"--shard must look like I/N (e.g. 0/4), not '{shard}'")
        index, count = int(index_text), int(count_text)
    elif "SLURM_ARRAY_TASK_ID" in env and (shards or "SLURM_ARRAY_TASK_COUNT" in env):
        # arrays may start at 1 (--array=1-4): count from the array's first id
        index = _env_int(env, "SLURM_ARRAY_TASK_ID") - _env_int(env, "SLURM_ARRAY_TASK_MIN", 0)
        count = shards or _env_int(env, "SLURM_ARRAY_TASK_COUNT")
    elif shards is not None and "JOB_COMPLETION_INDEX" in env:
        index, count = _env_int(env, "JOB_COMPLETION_INDEX"), shards
    elif shards is not None:
        raise KataError("--shards N needs --shard I/N, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX")
    else:
        return Shard(0, 1)
    if count < 1 or not 0 <= index < count:
        raise KataError(f"shard {index}/{count} is out of range: use 0 <= I < N")
    return Shard(index, count)


def _env_int(env: Mapping[str, str], name: str, default: int | None = None) -> int:
    value = env.get(name)
    if value is None and default is not None:
        return default
    if value is None or not value.strip().isdigit():
        raise KataError(f"environment variable {name} must be a whole number, not {value!r}")
    return int(value)


class Progress:
    """One line on stderr: done/total, rate, ETA and results that were not clean so far."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, every: float = 1.0):
        self.total, self.stream, self.every = total, stream, every
        self.done = self.below_full = self.abnormal = 0
        self.started = self.last = time.monotonic()
        self.live = stream.isatty()

    def update(self, result: KataResult) -> None:
        self.done += 1
        self.below_full += result.status != "passed"
        self.abnormal += result.status not in CLEAN_STATUSES
        now = time.monotonic()
        if self.done == self.total or self.live or now - self.last >= self.every:
            self.last = now
            self._show(now)

    def _show(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-6)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate else 0.0
        line = (f"graded {self.done}/{self.total} jobs · {rate:.1f}/s · ETA {eta:.0f}s · "
                f"{self.below_full} below full marks · {self.abnormal} error/timeout/oom/crashed")
        end = "\n" if not self.live or self.done == self.total else ""
        self.stream.write(("\r" if self.live else "") + line + end)
        self.stream.flush()


@dataclass
class BatchSummary:
    learners: list[LearnerResult]
    skipped: list[submissions.Skipped]
    graded: int
    reused: int
    seconds: float
    shard: Shard
    katas: list[Kata] = field(default_factory=list)


def check_isolation(require: bool, stream: TextIO) -> None:
    """Say every protection this machine does not apply; with `require`, refuse to grade without it."""
    missing = sandbox.inactive_protections()
    if missing and require:
        raise KataError("--require-isolation: not active here: " + "; ".join(missing)
                        + " (run as root on Linux 5.13+ with Landlock; see docs/INSTRUCTOR.md)")
    for name in missing:
        stream.write(f"warning: protection not active on this machine: {name}\n")


def run(submissions_dir: Path, out: Path, katas: list[Kata], *, workers: int, device: str, limits: Limits,
        shard: Shard, force: bool = False, lang: str = "en", stream: TextIO = sys.stderr,
        require_isolation: bool = False) -> BatchSummary:
    if not submissions_dir.is_dir():
        raise KataError(f"{submissions_dir}: no such folder")
    check_isolation(require_isolation, stream)
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kata-batch-") as staging:
        found, skipped = submissions.find(submissions_dir, [k.id for k in katas], Path(staging))
        found = [s for s in found if shard.owns(s.learner)]
        worker = Worker(katas, parallel=workers)  # before the gradebook opens: children never see its file
        checked = preflight.references(worker, katas, device, limits)
        stream.write(f"pre-flight: {checked.jobs} reference runs on {device} scored full marks "
                     f"({checked.seconds:.1f} s)\n")
        book = Gradebook(out / "gradebook.sqlite")
        try:
            results, graded, reused = _grade(book, worker, found, katas, device, limits, force, stream)
        finally:
            book.close()
    learners = [LearnerResult(s.learner, [results[(s.learner, k.id)] for k in katas]) for s in found]
    exports.write_all(out, learners, Catalog(katas), lang, skipped)
    exports.write_shard(out, shard.index, shard.count, [s.learner for s in found], [k.id for k in katas])
    return BatchSummary(learners, skipped, graded, reused, time.monotonic() - started, shard, katas)


def _grade(book: Gradebook, worker: Worker, found: list[submissions.Submission], katas: list[Kata], device: str,
           limits: Limits, force: bool, stream: TextIO) -> tuple[dict[tuple[str, str], KataResult], int, int]:
    results: dict[tuple[str, str], KataResult] = {}
    jobs: list[Job] = []
    for sub in found:
        for kata in katas:
            key = Key(sub.learner, kata.id, submissions.content_hash(sub.folder(kata.id), kata.files), kata.version)
            previous = None if force else book.get(key)
            if previous is not None:
                results[(sub.learner, kata.id)] = previous
            else:
                jobs.append(Job(kata, sub.folder(kata.id), device, limits, tag=key))
    reused = len(results)
    if not jobs:
        return results, 0, reused
    progress = Progress(len(jobs), stream)
    runnable = [j for j in jobs if j.solution_dir.is_dir()]
    for job in jobs:
        if not job.solution_dir.is_dir():
            result = unloadable_result(job.kata, worker.expected(job.kata), device, "not-started",
                                       f"not submitted: no {job.kata.id}/ folder")
            _record(book, job, result, results, progress)
    for job, result in grade_many(worker, runnable):
        _record(book, job, result, results, progress)
    return results, len(jobs), reused


def _record(book: Gradebook, job: Job, result: KataResult, results: dict, progress: Progress) -> None:
    key: Key = job.tag
    book.put(key, result)
    results[(key.learner, key.kata)] = result
    progress.update(result)


def merge(outs: list[Path], dest: Path, catalog: Catalog, lang: str = "en") -> list[LearnerResult]:
    """Combine shard outputs into `dest`, refusing overlaps (a learner twice) and gaps (a shard missing)."""
    shards = [exports.read_shard(out) for out in outs]
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
        raise KataError(f"gap: shard{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(f'{i}/{count}' for i in missing)} missing")
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
    if dest.resolve() in {o.resolve() for o in outs}:
        raise KataError("-o must be a new folder, not one of the shard outputs")
    dest.mkdir(parents=True, exist_ok=True)
    learners: list[LearnerResult] = []
    skipped: dict[str, submissions.Skipped] = {}
    book = Gradebook(dest / "gradebook.sqlite")
    try:
        for out in outs:
            learners += exports.read_grades(out)
            skipped.update({s.entry: s for s in exports.read_skipped(out)})
            book.copy_from(out / "gradebook.sqlite")
    finally:
        book.close()
    learners.sort(key=lambda lr: lr.learner)
    exports.write_all(dest, learners, Catalog([catalog.get(k) for k in kata_ids]), lang, list(skipped.values()))
    exports.write_shard(dest, 0, 1, [lr.learner for lr in learners], kata_ids)
    return learners
