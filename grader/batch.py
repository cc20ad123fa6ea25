"""`kata batch`: grade a class. Find submissions, keep this shard's learners, grade what changed.

Every (learner, kata) job runs through the same warm worker as `kata grade` (one parent, fresh
forked children, `workers` at a time). A job whose key (learner, kata, content hash, kata version,
grading setup) is already in the gradebook is reused unless `Regrade` asks for it (everything, some
statuses, some learners); an unchanged stub is `not-started` without a run. A timeout is graded once
more, alone, after all other jobs, before it is recorded. Each result is committed as it arrives, so
a killed batch resumes where it stopped. The exports cover every kata the gradebook holds, not only
those graded now: a learner without a result for a kata gets 0 with status `missing`. Sharding is a
pure function of the learner id (sha256), so a rerun of shard I/N grades exactly the same learners.

Before anyone is graded, the batch says which sandbox protections are not active on this machine
(or refuses to start with `require_isolation`) and grades every kata's reference on the chosen
device (preflight.py): if that falls short of full marks, the machine is broken, not the class.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Mapping, TextIO

import torch  # its version only: the parent never runs a tensor op

from grader import course as course_module
from grader import device_memory, devices, exports, preflight, sandbox, submissions
from grader.catalog import Catalog, Kata, builtin_roots
from grader.course import Course
from grader.errors import KataError
from grader.gradebook import Gradebook, Key, setup_key
from grader.results import (
    CRASHED,
    ERROR,
    FAILED,
    JOB_FAILURES,
    MISSING,
    NOT_STARTED,
    OOM,
    PASSED,
    SKIPPED,
    TIMEOUT,
    CheckResult,
    KataResult,
    LearnerResult,
)
from grader.runner import grade_many, not_started_result
from grader.sandbox import Limits
from grader.worker import Job, Worker

RETRYABLE = JOB_FAILURES


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
    """`--shard I/N`; else `--shards N` with I from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX; else 0/1.

    The array index is the shard index itself (an array `--array=0-7` with `--shards 8`), so a rerun of
    one array task (`sbatch --array=5`) grades shard 5 again. Under a Slurm array without `--shards`
    nothing says how many shards there are (a rerun's array has one task), so that is refused.
    """
    if shard is not None:
        index_text, _, count_text = shard.partition("/")
        if not (index_text.isdigit() and count_text.isdigit()):
            raise KataError(f"--shard must look like I/N (e.g. 0/4), not '{shard}'")
        index, count = int(index_text), int(count_text)
    elif shards is not None and "SLURM_ARRAY_TASK_ID" in env:
        index, count = _env_int(env, "SLURM_ARRAY_TASK_ID"), shards
        if index >= count:
            raise KataError(
                f"SLURM_ARRAY_TASK_ID={index} with --shards {count}: number the array 0 to "
                f"{count - 1} (#SBATCH --array=0-{count - 1})"
            )
    elif shards is not None and "JOB_COMPLETION_INDEX" in env:
        index, count = _env_int(env, "JOB_COMPLETION_INDEX"), shards
    elif shards is not None:
        raise KataError("--shards N needs --shard I/N, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX")
    elif "SLURM_ARRAY_TASK_ID" in env:
        raise KataError(
            "in a Slurm job array, give --shards N (the array's size): the index comes from "
            "SLURM_ARRAY_TASK_ID, and a rerun of one task must still grade only its shard"
        )
    else:
        return Shard(0, 1)
    if count < 1 or not 0 <= index < count:
        raise KataError(f"shard {index}/{count} is out of range: use 0 <= I < N")
    return Shard(index, count)


def _env_int(env: Mapping[str, str], name: str) -> int:
    value = env.get(name)
    if value is None or not value.strip().isdigit():
        raise KataError(f"environment variable {name} must be a whole number, not {value!r}")
    return int(value)


class Progress:
    """One line on stderr: done/total, rate, ETA and each kind of result so far.

    The rate and ETA count only the jobs that ran learner code (a kata not started takes no time), and
    the ETA appears once the first of those finished. When no result arrives for `quiet` seconds, a
    heartbeat line names the job that has run longest: jobs start in submission order, so it is the
    first one without a result.
    """

    def __init__(
        self, total: int, runnable: list[str], stream: TextIO = sys.stderr, every: float = 1.0, quiet: float = 15.0
    ):
        self.total, self.stream, self.every, self.quiet = total, stream, every, quiet
        self.kinds: Counter[str] = Counter()
        self.done = self.ran = 0
        self.runnable, self.finished = runnable, set()  # labels in start order; those with a result
        self._runs = set(runnable)
        self.to_run = len(runnable)
        self.started = self.last = self.last_result = time.monotonic()
        self.live = stream.isatty()
        self._lock = threading.Lock()

    def update(self, result: KataResult, label: str) -> None:
        with self._lock:
            self.done += 1
            self.kinds[result.status] += 1
            if label in self._runs and label not in self.finished:
                self.finished.add(label)
                self.ran += 1
            now = self.last_result = time.monotonic()
            if self.done == self.total or self.live or now - self.last >= self.every:
                self.last = now
                self._show(now)

    def _show(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-6)
        rate = self.ran / elapsed
        eta = f"ETA {(self.to_run - self.ran) / rate:.0f}s" if self.ran else "ETA after the first results"
        kinds = ", ".join(f"{n} {status}" for status, n in sorted(self.kinds.items(), key=_status_order))
        # no rate or ETA when no job runs learner code (every kata not started): there is nothing to time
        timing = f" · {rate:.1f}/s · {eta}" if self.to_run else ""
        line = f"graded {self.done}/{self.total} jobs{timing} · {kinds}"
        end = "\n" if not self.live or self.done == self.total else ""
        self.stream.write(("\r" if self.live else "") + line + end)
        self.stream.flush()

    def beat(self) -> None:
        """The heartbeat: when results stopped arriving, say which job runs long."""
        with self._lock:
            now = time.monotonic()
            if now - max(self.last_result, self.last) < self.quiet or self.done == self.total:
                return
            running = next((label for label in self.runnable if label not in self.finished), None)
            if running is not None:
                self.last = now
                self.stream.write(
                    f"{chr(10) if self.live else ''}no result for {now - self.last_result:.0f}s; "
                    f"running longest: {running}\n"
                )
                self.stream.flush()

    @contextmanager
    def heartbeat(self) -> Iterator[None]:
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(min(self.quiet, 5.0)):
                self.beat()

        thread = threading.Thread(target=loop, name="kata-batch-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


_ORDER = (PASSED, FAILED, NOT_STARTED, MISSING, ERROR, TIMEOUT, OOM, CRASHED)


def _status_order(item: tuple[str, int]) -> tuple[int, str]:
    return (_ORDER.index(item[0]) if item[0] in _ORDER else len(_ORDER), item[0])


@dataclass(frozen=True)
class Regrade:
    """Which stored results to grade again: all (`force`), those with these statuses, these learners."""

    force: bool = False
    statuses: frozenset[str] = frozenset()
    learners: frozenset[str] = frozenset()

    def wants(self, learner: str, previous: KataResult) -> bool:
        return self.force or learner in self.learners or previous.status in self.statuses


def parse_retry(text: str | None) -> frozenset[str]:
    """`--retry timeout,crashed` -> those statuses; only results a rerun can change are allowed."""
    if not text:
        return frozenset()
    statuses = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(statuses - set(RETRYABLE))
    if unknown:
        raise KataError(f"--retry takes {','.join(RETRYABLE)}, not {','.join(unknown)}")
    return statuses


@dataclass
class BatchSummary:
    learners: list[LearnerResult]
    skipped: list[submissions.Skipped]
    graded: int
    reused: int
    seconds: float
    shard: Shard
    katas: list[Kata] = field(default_factory=list)
    retried: int = 0  # timeouts graded a second time, alone
    in_class: int = 0  # learners found in the submissions, in every shard

    @property
    def kinds(self) -> Counter[str]:
        return Counter(k.status for lr in self.learners for k in lr.katas)


def check_isolation(require: bool, stream: TextIO, device: str = "cpu") -> None:
    """Say every protection this machine does not apply; with `require`, refuse to grade without it."""
    missing = sandbox.inactive_protections() + _inactive_device_protections(device)
    if missing and require:
        raise KataError(
            "--require-isolation: not active here: "
            + "; ".join(missing)
            + " (run as root on Linux 5.13+ with Landlock; see docs/INSTRUCTOR.md)"
        )
    for name in missing:
        stream.write(f"warning: protection not active on this machine: {name}\n")


def _inactive_device_protections(device: str) -> list[str]:
    """What jobs on `device` would lack: a share of its memory each, and on NVIDIA GPUs the watch of
    that share from outside the job (learner code can raise the share it was given)."""
    kind = device.split(":")[0]
    if kind == "cpu":
        return []
    missing = [] if devices.memory_share_call(kind) is not None else [devices.MEMORY_SHARE_PROTECTION.format(kind=kind)]
    if kind == "cuda" and device_memory.check_watch() is not device_memory.Watch.ACTIVE:
        missing.append(device_memory.WATCH_PROTECTION)
    return missing


def run(
    submissions_dir: Path,
    out: Path,
    katas: list[Kata],
    *,
    workers: int,
    device: str,
    limits: Limits,
    shard: Shard,
    lang: str = "en",
    stream: TextIO = sys.stderr,
    require_isolation: bool = False,
    regrade: Regrade | None = None,
    catalog: Catalog | None = None,
    retry_timeouts: bool = True,
    excel: bool = False,
    course: Course | None = None,
) -> BatchSummary:
    """Grade `katas` for this shard's learners; export every kata the gradebook holds (from `catalog`)."""
    if not submissions_dir.is_dir():
        raise KataError(f"{submissions_dir}: no such folder")
    roster = submissions.read_roster(submissions_dir)  # before anyone is graded: a bad roster stops here
    regrade = regrade or Regrade()
    check_isolation(require_isolation, stream, device)
    if any(k.folder.parent.resolve() == builtin_roots()[0].resolve() for k in katas):
        stream.write(
            "note: the built-in katas are public (their references and checks ship in the package): "
            "grade a course with a private pack, --katas PATH (see docs/AUTHORING.md)\n"
        )
    started = time.monotonic()
    if out.exists() and not out.is_dir():
        raise KataError.of("out_is_file", out=out)
    out.mkdir(parents=True, exist_ok=True)
    Gradebook(out / "gradebook.sqlite").close()  # a damaged gradebook stops the batch before the pre-flight
    with _terminate_as_interrupt(), submissions.staging_folder() as staging:
        found, skipped = _the_class(submissions_dir, catalog or katas, roster, regrade, staging, stream)
        in_class = len(found)
        found = [s for s in found if shard.owns(s.learner)]
        # a fresh interpreter: this process now knows the class, which no learner's child may see
        worker = Worker(katas, parallel=workers, fresh=True)
        checked = preflight.references(worker, katas, device, limits)
        stream.write(
            f"pre-flight: {checked.jobs} reference run{'s' if checked.jobs != 1 else ''} on {device} scored full marks "
            f"({checked.seconds:.1f} s)\n"
        )
        setup = setup_key(limits, device, torch.__version__)
        # until this run writes it again, the shard is unfinished, to `kata merge` too: no earlier grades merged
        (out / exports.SHARD_FILE).unlink(missing_ok=True)
        book = Gradebook(out / "gradebook.sqlite")
        try:
            graded = _grade(book, worker, found, katas, device, limits, setup, regrade, retry_timeouts, stream)
            columns = _export_katas(book, katas, catalog)
            found_results = {
                (s.learner, k.id): graded.results.get((s.learner, k.id)) or _stored(book, s, k)
                for s in found
                for k in columns
            }
            learners = _with_missing(book, found, columns, found_results)
        finally:
            book.close()
        late = _course_columns(course, found, columns, learners, roster) if course else None
    exports.write_all(out, learners, Catalog(columns), lang, skipped, excel=excel, roster=roster, course=late)
    exports.write_shard(
        out,
        shard.index,
        shard.count,
        [s.learner for s in found],
        [k.id for k in columns],
        roster,
        late,
        _course_settings(course) if course else "",
    )
    return BatchSummary(
        learners,
        skipped,
        graded.count,
        graded.reused,
        time.monotonic() - started,
        shard,
        columns,
        graded.retried,
        in_class,
    )


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (scancel, a Slurm time limit, `kill`, a pod's eviction) stops the batch as Ctrl-C does:
    the results so far are committed and the staging folder is removed. Python's default would end
    the process on the spot and leave the learners' extracted zips in TMPDIR."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set a handler: a caller's thread keeps the default
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _the_class(
    submissions_dir: Path,
    katas: Iterable[Kata],
    roster: dict[str, dict[str, str]],
    regrade: Regrade,
    staging: Path,
    stream: TextIO,
) -> tuple[list[submissions.Submission], list[submissions.Skipped]]:
    """Every learner of the class, in every shard: the entries found (a learner counts with a folder of
    any of `katas`, the exports' columns, not only those graded now) and the roster's learners without
    one; the entries skipped are said first, so that a long batch does not hide them."""
    found, skipped = submissions.find(submissions_dir, [k.id for k in katas], staging)
    for entry in skipped:
        stream.write(f"skipped {entry.entry}: {entry.reason}\n")
    absent = submissions.roster_only(roster, found, skipped, staging)
    _say_roster(roster, found, absent, stream)
    found += absent
    unknown = sorted(regrade.learners - {s.learner for s in found})
    if unknown:
        raise KataError(f"--learner: no submission for {', '.join(unknown)}")
    return found, skipped


def _say_roster(
    roster: dict[str, dict[str, str]],
    found: list[submissions.Submission],
    absent: list[submissions.Submission],
    stream: TextIO,
) -> None:
    """One line each: roster learners without an entry (graded as not submitted), learners without a
    roster row (a typo in either shows here)."""
    if not roster:
        return
    if absent:
        stream.write(
            f"{submissions.ROSTER}: {len(absent)} learner{'s' if len(absent) != 1 else ''} without an entry, "
            f"graded as not submitted: {_some(s.learner for s in absent)}\n"
        )
    unlisted = [s.learner for s in found if s.learner not in roster]
    if unlisted:
        stream.write(
            f"{submissions.ROSTER}: no row for {len(unlisted)} learner{'s' if len(unlisted) != 1 else ''}: {_some(unlisted)}\n"
        )


def _some(names: Iterable[str], shown: int = 10) -> str:
    names = list(names)
    return ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")


def _course_columns(
    course: Course,
    found: list[submissions.Submission],
    columns: list[Kata],
    learners: list[LearnerResult],
    roster: dict[str, dict[str, str]],
) -> exports.CourseColumns:
    """Per learner: the katas submitted late (started days) and the weighted, penalised `final`."""
    rows = {}
    for sub, learner in zip(found, learners):
        late, final = {}, 0.0
        for kata, result in zip(columns, learner.katas):
            days = 0
            if result.status not in exports.UNSTARTED:
                files = sandbox.files_that_count(sub.folder(kata.id), kata.files)
                days = course.late_days(
                    kata.id, course_module.submitted_at(files, roster.get(sub.learner, {}).get("submitted_at", ""))
                )
            final += course.final(kata.id, result.points, days)
            if days:
                late[kata.id] = days
        rows[sub.learner] = {"late_days": "; ".join(f"{k}: {d}" for k, d in late.items()), "final": f"{final:g}"}
    maximum = sum(course.final(k.id, exports.kata_maximum(learners, k.id), 0) for k in columns)
    return exports.CourseColumns(rows, f"{maximum:g}")


def _course_settings(course: Course) -> str:
    """A digest of what `late_days` and `final` depend on (weights, due dates, late penalties; not
    visibility), so that `kata merge` refuses shards graded with other course settings."""
    rules = {
        kata: [rule.weight, rule.due.isoformat() if rule.due else None, rule.late_penalty_per_day]
        for kata, rule in sorted(course.katas.items())
    }
    return hashlib.sha256(json.dumps(rules).encode("utf-8")).hexdigest()


def _export_katas(book: Gradebook, katas: list[Kata], catalog: Catalog | None) -> list[Kata]:
    """The katas graded now and every other kata of the catalog the gradebook holds, in catalog order."""
    if catalog is None:
        return katas
    held = book.katas() | {k.id for k in katas}
    return [k for k in catalog if k.id in held]


def _key(sub: submissions.Submission, kata: Kata, setup: str) -> Key:
    return Key(sub.learner, kata.id, sandbox.content_hash(sub.folder(kata.id), kata.files), kata.version, setup)


def _stored(book: Gradebook, sub: submissions.Submission, kata: Kata) -> KataResult | None:
    """A kata not graded in this run: its newest result for the learner's current files and checks."""
    return book.latest(_key(sub, kata, ""))


def _with_missing(
    book: Gradebook,
    found: list[submissions.Submission],
    columns: list[Kata],
    results: dict[tuple[str, str], KataResult | None],
) -> list[LearnerResult]:
    """Every learner with a result per column; a kata without one is 0 points, status `missing`."""
    learners = []
    for sub in found:
        katas = []
        for kata in columns:
            result = results[(sub.learner, kata.id)]
            if result is None:  # another learner's result (or the gradebook's) gives the checks and points
                template = next((r for s in found if (r := results[(s.learner, kata.id)])), None) or book.example(
                    kata.id, kata.version
                )
                result = missing_result(kata, template)
            katas.append(result)
        learners.append(LearnerResult(sub.learner, katas))
    return learners


def missing_result(kata: Kata, template: KataResult | None) -> KataResult:
    """0 points out of the kata's maximum (from a template result), every check failed: not graded."""
    message = f"not graded for these files: rerun `kata batch` with --only {kata.id}"
    checks = [
        CheckResult(c.id, c.title, c.title_zh, 0.0, c.max_points, FAILED if c.max_points else SKIPPED, message)
        for c in (template.checks if template else [])
    ]
    return KataResult(
        kata.id,
        kata.version,
        MISSING,
        message,
        checks,
        template.device if template else "",
        template.torch_version if template else "",
    )


@dataclass
class _Graded:
    results: dict[tuple[str, str], KataResult]
    count: int
    reused: int
    retried: int


def _grade(
    book: Gradebook,
    worker: Worker,
    found: list[submissions.Submission],
    katas: list[Kata],
    device: str,
    limits: Limits,
    setup: str,
    regrade: Regrade,
    retry_timeouts: bool,
    stream: TextIO,
) -> _Graded:
    results: dict[tuple[str, str], KataResult] = {}
    jobs: list[Job] = []
    for sub in found:
        for kata in katas:
            key = _key(sub, kata, setup)
            previous = book.get(key)
            if previous is not None and not regrade.wants(sub.learner, previous):
                results[(sub.learner, kata.id)] = previous
            else:
                jobs.append(Job(kata, sub.folder(kata.id), device, limits, tag=key))
    reused = len(results)
    if not jobs:
        return _Graded(results, 0, reused, 0)
    stubs = {k.id: sandbox.content_hash(k.stub, k.files) for k in katas}
    unstarted = {id(j): _why_not_started(j, stubs) for j in jobs}
    runnable = [j for j in jobs if not unstarted[id(j)]]
    progress = Progress(len(jobs), [_label(j) for j in runnable], stream)
    for job in jobs:
        if unstarted[id(job)]:
            result = not_started_result(worker, job.kata, device, unstarted[id(job)])
            _record(book, job, result, results, progress)
    timed_out: list[Job] = []
    with progress.heartbeat():
        for job, result in grade_many(worker, runnable):
            if retry_timeouts and result.status == TIMEOUT and _late_for_the_machine(result, job.timeout):
                timed_out.append(job)  # recorded after its second try, alone
                continue
            _record(book, job, result, results, progress)
        for job in timed_out:  # the machine is quiet now: one job at a time
            stream.write(f"retrying {_label(job)} alone after a timeout\n")
            [(_, result)] = list(grade_many(worker, [job]))
            if result.status == TIMEOUT:
                result.status_message += " (timed out again when retried alone)"
            _record(book, job, result, results, progress, attempts=2)
    return _Graded(results, len(jobs), reused, len(timed_out))


STARVED_SHARE = 0.1  # of its time limit spent waiting for a CPU: a busy machine may have made it late


def _late_for_the_machine(result: KataResult, timeout: float) -> bool:
    """Whether grading a timeout again, alone, could change it: its threads waited for a CPU (or the
    kernel does not say). A job that sleeps or waits on itself times out alone just the same."""
    return result.cpu_wait is None or result.cpu_wait >= STARVED_SHARE * timeout


def _why_not_started(job: Job, stubs: dict[str, str]) -> str:
    """Why a job needs no run (no folder, or the kata's stub unchanged: it scores 0), or ''."""
    if not job.solution_dir.is_dir():
        return f"not submitted: no {job.kata.id}/ folder"
    key: Key = job.tag
    if key.content_hash == stubs[job.kata.id]:
        return "not started: the files are the kata's stub, unchanged"
    return ""


def _label(job: Job) -> str:
    key: Key = job.tag
    return f"{key.learner}/{key.kata}"


def _record(
    book: Gradebook, job: Job, result: KataResult, results: dict, progress: Progress, attempts: int = 1
) -> None:
    key: Key = job.tag
    book.put(key, result, attempts)
    results[(key.learner, key.kata)] = result
    progress.update(result, _label(job))
