"""The warm worker: imports torch and pytest once, collects checks once, forks a fresh child per job.

How it works: `collect()` builds one pytest session over the hidden checks in this (parent) process
before any learner code exists, so the parent alone decides which checks are expected. `run_jobs()`
then starts each job as a child forked from this warm process (or, where fork is unsafe, a freshly
spawned `python -m grader.worker`, which collects for itself). The child confines itself
(sandbox.py), runs the collected items through pytest's normal protocol (so pytest-timeout gives
each check its own limit), and writes JSON lines to a pipe this process opened. This process runs
one select() loop: it reads results and output (keeping only the first few KiB of output), kills a
child's whole process group with SIGKILL at the wall-clock deadline or when its resident memory
passes the limit, and reaps it.

Fork safety: this process must never run a tensor op or touch an accelerator before forking; it
only imports. Accelerator jobs fork too (the child starts the accelerator runtime itself, ~0.4 s
instead of ~3.4 s for a spawned interpreter); jobs for `cuda` spread over every GPU, and each job
gets its share of its device's memory.

Every process of a job (procs.py: by its throwaway uid, else by session and parentage) counts
towards its memory limit and is killed before the result is recorded and the uid is reused; what
the job writes in its folder counts towards its disk budget.
"""

from __future__ import annotations

import json
import math
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections import deque
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Iterable, Iterator

import pytest
import torch  # imported once here so every forked child starts warm

from grader import devices, judge, plugin, procs, sandbox
from grader.channel import PARENT_GONE, Event, Malformed, Observed, ParentChannel, next_turn
from grader.catalog import Kata
from grader.errors import KataError
from grader.i18n import say
from grader.observations import decode, encode
from grader.sandbox import JobDir, Limits, confine, folder_mb, prepare_job_dir, remove_job_dir
from grader.uids import UidPool

_POLL_SECONDS = 0.05
_WATCH_SECONDS = 0.1  # how often memory (all of a job's processes) and disk are measured
_DEVICE_MEMORY_SHARE = 0.9  # of an accelerator's memory, split between the jobs that share it
_EXIT_GRACE_SECONDS = 0.5
_SPAWN_STARTUP_SECONDS = 30.0  # a spawned child imports torch and collects before its job starts
_CHILD_FAILED = 70


@dataclass(frozen=True)
class ExpectedCheck:
    id: str
    title: str
    title_zh: str
    points: float
    device_kinds: frozenset[str] = plugin.ANY_DEVICE  # where it runs, from cpu_only / accelerator_only


@dataclass
class Job:
    kata: Kata
    solution_dir: Path
    device: str = "cpu"
    limits: Limits = field(default_factory=Limits)
    tag: object = None

    @property
    def timeout(self) -> float:
        return self.limits.timeout or self.kata.timeout


@dataclass
class JobOutcome:
    job: Job
    records: list[Event]
    exit_code: int | None  # None when killed by a signal
    signal: int | None
    killed_for: str | None  # "timeout", "oom", "disk" or None
    output: bytes
    duration: float
    dropped_files: tuple[str, ...] = ()  # submission files the job did not copy (not named by the kata)


class _CollectErrors:
    """Remembers check files that failed to import, so a broken kata is a clear error."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.errors.append(f"{report.nodeid}: {str(report.longrepr).strip().splitlines()[-1]}")


def _pytest_args(check_dirs: list[Path]) -> list[str]:
    return [
        *map(str, check_dirs),
        "-c", os.devnull,  # never read a pytest.ini / conftest options from around the learner
        "--rootdir", str(Path(os.path.commonpath(check_dirs)).parent),
        "--import-mode=importlib",
        "--capture=no",
        "-p", "no:cacheprovider",
        "-p", "no:logging",
        "-p", "no:faulthandler",  # it keeps a copy of the real stderr that learner code could write to
        "-p", "pytest_timeout",
        "-o", "timeout_method=signal",
    ]


def _title(item: pytest.Item) -> tuple[str, str]:
    doc = (getattr(item, "obj", None).__doc__ or "").strip()
    lines = [line.strip() for line in doc.splitlines() if line.strip()]
    english = lines[0] if lines else item.name
    chinese = lines[1] if len(lines) > 1 else english
    return english, chinese


def _collected_paths(kata: Kata) -> list[Path]:
    """What pytest collects for a kata: a judged kata's exercise halves only (its judge halves never
    enter a process that runs learner code), else its whole checks folder."""
    return judge.exercise_files(kata) if judge.is_judged(kata) else [kata.checks]


def _marks_device_kinds(marks: frozenset[str]) -> frozenset[str]:
    kinds = {"cpu", "accelerator"}
    if "cpu_only" in marks:
        kinds.discard("accelerator")
    if "accelerator_only" in marks:
        kinds.discard("cpu")
    return frozenset(kinds)


class Collection:
    """Each kata's collected items and the checks the parent expects from them.

    With `judges` (the parent), a judged kata's expected checks come from its judge halves (judge.py),
    and each must have an exercise of the same name; a spawned child collects exercises only."""

    def __init__(self, katas: list[Kata], judges: bool = True):
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # no third-party plugin joins in
        from _pytest.config import _prepareconfig
        from _pytest.main import Session

        errors = _CollectErrors()
        config = _prepareconfig(_pytest_args([p for k in katas for p in _collected_paths(k)]), plugins=[plugin, errors])
        config._do_configure()
        # pytest-timeout needs a terminal reporter; point it at /dev/null so that nothing pytest
        # says (headers, timeout stack dumps) reaches the learner's terminal or the results.
        from _pytest.terminal import TerminalWriter

        reporter = config.pluginmanager.get_plugin("terminalreporter")
        reporter._tw = TerminalWriter(open(os.devnull, "w"))
        session = Session.from_config(config)
        config.hook.pytest_sessionstart(session=session)
        session.perform_collect()
        if errors.errors:
            raise KataError("a kata's checks failed to load: " + "; ".join(errors.errors))
        self.items: dict[str, list[pytest.Item]] = {k.id: [] for k in katas}
        self.expected: dict[str, list[ExpectedCheck]] = {k.id: [] for k in katas}
        self.judges: dict[str, list[judge.JudgeCheck]] = {}
        for item in session.items:
            kata = next(k for k in katas if k.checks in Path(item.path).parents)
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(kata.check_timeout))
            self.items[kata.id].append(item)
            if judge.is_judged(kata):
                continue
            marker = item.get_closest_marker("points")
            title, title_zh = _title(item)
            self.expected[kata.id].append(
                ExpectedCheck(item.name, title, title_zh, float(marker.args[0]) if marker else 1.0,
                              plugin.device_kinds(item))
            )
        for kata in katas:
            if judge.is_judged(kata) and judges:
                self._add_judges(kata)
            elif judge.is_judged(kata):
                continue
            ids = [c.id for c in self.expected[kata.id]]
            if not ids:
                raise KataError(f"{kata.checks}: no checks found")
            if len(set(ids)) != len(ids):
                raise KataError(f"{kata.checks}: two checks share a name; check names must be unique")

    def _add_judges(self, kata: Kata) -> None:
        checks = judge.load_checks(kata)
        exercised = {item.name for item in self.items[kata.id]}
        judged = {check.id for check in checks}
        for missing in sorted(judged - exercised):
            raise KataError(f"{kata.checks}: {missing} has no exercise of the same name in exercise_*.py")
        for extra in sorted(exercised - judged):
            raise KataError(f"{kata.checks}: the exercise {extra} has no judge of the same name in test_*.py")
        self.judges[kata.id] = checks
        self.expected[kata.id] = [
            ExpectedCheck(c.id, c.title, c.title_zh, c.points, _marks_device_kinds(c.marks)) for c in checks
        ]


def _read_inputs(control_fd: int) -> dict[str, object]:
    """A judged job's inputs: one line from the parent, sent once this child exists."""
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = os.read(control_fd, 1 << 20)
        if not chunk:
            raise SystemExit(PARENT_GONE)
        data += chunk
    os.close(control_fd)
    return decode(json.loads(data))


def _run_judged(items: list[pytest.Item], context: plugin.JobContext) -> None:
    """Each exercise the judge gave inputs for, in order; their observations go to the judge."""
    chosen = [item for item in items if item.name in (context.inputs or {})]
    for index, item in enumerate(chosen):
        next_item = chosen[index + 1] if index + 1 < len(chosen) else None
        item.ihook.pytest_runtest_protocol(item=item, nextitem=next_item)


def _run_items(items: list[pytest.Item], context: plugin.JobContext, control_fd: int) -> None:
    """Each check in its own turn: wait for the parent's token, then run it (see channel.py)."""
    for index, item in enumerate(items):
        context.nonce = next_turn(control_fd)
        next_item = items[index + 1] if index + 1 < len(items) else None
        item.ihook.pytest_runtest_protocol(item=item, nextitem=next_item)
    context.nonce = next_turn(control_fd)


@dataclass(frozen=True)
class Placement:
    """Where one job runs: its concrete device, its uid (root only) and its share of device memory."""

    device: str
    uid: int | None
    memory_fraction: float | None


def _child_main(job: Job, job_dir: Path, items: list[pytest.Item], channel_fd: int, control_fd: int,
                placement: Placement) -> None:
    """Inside the child: confine, run the checks, report, and never return."""
    code = _CHILD_FAILED
    # Rebind print() to fds 1 and 2 (the output pipe): the parent's sys.stdout may be a pytest
    # capture buffer or a block-buffered file whose content os._exit would lose.
    sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
    sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
    try:
        # decided before confine: a private pack may be out of the throwaway uid's reach
        data_dir = job.kata.data if job.kata.data.is_dir() else None
        confine(job_dir, job.limits, job.timeout, placement.device, placement.uid, _readable(job.kata))
        devices.claim(placement.device, placement.memory_fraction)
        context = plugin.JobContext(
            solution_dir=job_dir / "solution",
            files=job.kata.files,
            device=placement.device,
            data_dir=data_dir,
            channel_fd=channel_fd,
        )
        plugin.set_context(context)
        if judge.is_judged(job.kata):
            context.inputs = _read_inputs(control_fd)
            _run_judged(items, context)
        else:
            context.guard_snapshot = plugin.snapshot_guarded()
            _run_items(items, context, control_fd)
        plugin.emit({"type": "done"})
        code = 0
    except BaseException as exc:  # noqa: BLE001 - report and die; the parent fails the job closed
        try:
            os.write(2, f"grading child failed: {type(exc).__name__}: {exc}\n".encode())
        except OSError:
            pass
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


def _readable(kata: Kata) -> tuple[Path, ...]:
    """Besides the interpreter: the kata's checks (a judged kata's exercise halves only) and data, and
    the pack's shared data."""
    return (*_collected_paths(kata), kata.data, kata.folder.parent / "_shared")


def fork_is_safe() -> bool:
    """Fork on Linux from a process that has not initialised an accelerator (it never should)."""
    return sys.platform.startswith("linux") and not devices.accelerator_initialized()


class _OutputKept:
    """What a job printed, within `limit` bytes: the first half and a rolling last half, joined by a
    line saying how many lines were dropped between them (the last lines are what explain a failure)."""

    def __init__(self) -> None:
        self.head, self.tail = bytearray(), bytearray()
        self.dropped_bytes = self.dropped_lines = 0

    def add(self, chunk: bytes, limit: int) -> None:
        room = max(0, limit // 2 - len(self.head))
        self.head += chunk[:room]
        self.tail += chunk[room:]
        extra = len(self.tail) - (limit - limit // 2)
        if extra > 0:
            self.dropped_lines += self.tail.count(b"\n", 0, extra)
            self.dropped_bytes += extra
            del self.tail[:extra]

    def __bytes__(self) -> bytes:
        if not self.dropped_bytes:
            return bytes(self.head + self.tail)
        # whole lines only: the head ends at its last line end, the tail starts after its first one;
        # a line counts as dropped where its line end was dropped
        head = self.head[: self.head.rfind(b"\n") + 1]
        cut = self.tail.find(b"\n") + 1
        marker = say("lines_dropped", "en", n=self.dropped_lines + (1 if cut else 0)).encode()
        return bytes(head) + marker + b"\n" + bytes(self.tail[cut:])


@dataclass
class _Running:
    job: Job
    pid: int
    job_dir: JobDir
    placement: Placement
    processes: procs.JobProcesses
    channel: ParentChannel
    started: float
    output: _OutputKept = field(default_factory=_OutputKept)
    open_fds: set[int] = field(default_factory=set)
    killed_for: str | None = None
    exited_at: float | None = None
    status: int | None = None
    last_watch: float = 0.0
    channel_fd: int = -1
    output_fd: int = -1
    startup: float = 0.0  # extra seconds before the deadline (spawned children start cold)
    pidfd: int = -1  # readable once the child exits: wakes select() at once instead of at the next poll
    judgement: judge.Judgement | None = None  # a judged kata's verdict half, made after the fork


class Worker:
    """A warm parent that grades jobs in fresh children, `parallel` at a time."""

    def __init__(self, katas: Iterable[Kata], parallel: int = 1, spawn: bool | None = None):
        self.katas = {k.id: k for k in katas}
        self.collection = Collection(list(self.katas.values()))
        self.parallel = max(1, parallel)
        self.spawn = spawn
        self.uids = UidPool() if sandbox.DROPS_PRIVILEGES else None
        self.leaders: set[int] = set()  # first process of each running job (orphans are everything else)
        if sys.platform.startswith("linux"):
            procs.adopt_orphans()
        self.busy: dict[str, int] = {}  # concrete device -> jobs running on it
        self.fds_at_start = _open_fds()  # pytest's own files; anything newer is closed in children
        self.jobs_started = 0
        # The judge computes here: one thread, so no thread pool exists when the next child forks
        # (children set their own thread count, sandbox.confine).
        torch.set_num_threads(1)

    def expected(self, kata: Kata) -> list[ExpectedCheck]:
        return self.collection.expected[kata.id]

    def run_jobs(self, jobs: Iterable[Job]) -> Iterator[JobOutcome]:
        """Grade jobs; yields each outcome as its child finishes (order not guaranteed)."""
        pending = deque(jobs)
        running: dict[int, _Running] = {}
        selector = selectors.DefaultSelector()
        try:
            while pending or running:
                while pending and len(running) < self.parallel:
                    run = self._start(pending.popleft())
                    running[run.pid] = run
                    for fd in run.open_fds:
                        selector.register(fd, selectors.EVENT_READ, run)
                    if run.pidfd >= 0:
                        selector.register(run.pidfd, selectors.EVENT_READ, run)
                self._pump(selector, running)
                for run in list(running.values()):
                    if self._finished(run, selector):
                        del running[run.pid]
                        yield self._outcome(run)
        finally:
            for run in running.values():
                _kill_group(run.pid)
                self._close(run, selector)
                _reap(run.pid)
                self._clean_up(run)
            selector.close()

    @cached_property
    def _present_devices(self) -> list[str]:
        """Asked once per worker (it probes every backend), on the first accelerator job."""
        return [d.name for d in devices.available()]

    def _place(self, job: Job) -> Placement:
        """A concrete device (`cuda` means every GPU: the least busy one), a uid and a memory share."""
        kind, _, index = job.device.partition(":")
        uid = self.uids.lease() if self.uids is not None else None
        if kind == "cpu":
            return Placement("cpu", uid, None)
        present = [name for name in self._present_devices if name.split(":")[0] == kind]
        device = job.device if index or kind == "mps" else min(present or [f"{kind}:0"], key=lambda d: self.busy.get(d, 0))
        sharing = math.ceil(self.parallel / max(1, len(present))) if not index else self.parallel
        return Placement(device, uid, _DEVICE_MEMORY_SHARE / max(1, sharing))

    def _start(self, job: Job) -> _Running:
        _check_free_disk(job.limits)
        placement = self._place(job)
        self.busy[placement.device] = self.busy.get(placement.device, 0) + 1
        job_dir = prepare_job_dir(job.solution_dir, job.kata.files)
        channel_r, channel_w = os.pipe()
        output_r, output_w = os.pipe()
        control_r, control_w = os.pipe()
        spawn = self.spawn if self.spawn is not None else not fork_is_safe()
        sys.stdout.flush()
        sys.stderr.flush()
        if spawn:
            pid = _spawn_child(job, job_dir.root, channel_w, output_w, control_r, placement)
        else:
            with warnings.catch_warnings():
                # Python 3.12+ warns when a process with threads forks; the threads an accelerator
                # build of torch starts at import hold none of the locks a grading child uses.
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
            if pid == 0:
                os.close(channel_r)
                os.close(output_r)
                os.close(control_w)
                _stdin_from_devnull()
                os.dup2(output_w, 1)
                os.dup2(output_w, 2)
                _close_fds_opened_since(self.fds_at_start, keep={channel_w, control_r})
                _child_main(job, job_dir.root, self.collection.items[job.kata.id], channel_w, control_r, placement)
        os.close(channel_w)
        os.close(output_w)
        os.close(control_r)
        for fd in (channel_r, output_r):
            os.set_blocking(fd, False)
        self.leaders.add(pid)
        self.jobs_started += 1
        judged = job.kata.id in self.collection.judges
        run = _Running(
            job, pid, job_dir, placement, procs.JobProcesses(pid, placement.uid),
            ParentChannel(-1 if judged else control_w, judged=judged),
            time.monotonic(), open_fds={channel_r, output_r}, channel_fd=channel_r, output_fd=output_r,
            pidfd=_pidfd_open(pid), startup=_SPAWN_STARTUP_SECONDS if spawn else 0.0,
        )
        if judged:
            self._send_inputs(run, control_w)
        return run

    def _send_inputs(self, run: _Running, control_fd: int) -> None:
        """The judge makes this job's inputs now that its child exists, and hands them over."""
        kata = run.job.kata
        checks = [c for c in self.collection.judges[kata.id]
                  if plugin.device_skip_reason(_marks_device_kinds(c.marks), run.placement.device) is None]
        data_dir = kata.data if kata.data.is_dir() else None
        try:
            run.judgement = judge.Judgement(checks, f"{os.getpid()}:{self.jobs_started}", run.placement.device, data_dir)
            line = (json.dumps(encode(run.judgement.inputs)) + "\n").encode()
        except judge.CheckBug as exc:
            os.close(control_fd)
            _kill_group(run.pid)
            _reap(run.pid)
            for fd in run.open_fds:
                os.close(fd)
            self._clean_up(run)
            raise KataError(f"{kata.id}: a check is broken: {exc}") from None
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(control_fd, view):]
        except OSError:
            pass  # the child is gone already; its outcome says so
        finally:
            os.close(control_fd)

    def _clean_up(self, run: _Running) -> None:
        """Every process of the job dies before its uid is reused or its result recorded."""
        run.processes.kill_all()
        self.leaders.discard(run.pid)
        procs.kill_strays(procs.scan(), self.leaders)
        if self.uids is not None and run.placement.uid is not None:
            self.uids.release(run.placement.uid)
        self.busy[run.placement.device] -= 1
        remove_job_dir(run.job_dir.root)

    def _pump(self, selector: selectors.BaseSelector, running: dict[int, _Running]) -> None:
        self._watch(running)
        now = time.monotonic()
        deadlines = [r.started + r.startup + r.job.timeout for r in running.values() if r.killed_for is None]
        wait = max(0.0, min([_POLL_SECONDS, *(d - now for d in deadlines)]))
        for key, _ in selector.select(wait):
            run: _Running = key.data
            if key.fd == run.pidfd:
                continue  # the child exited: _finished() reaps it now
            try:
                chunk = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                selector.unregister(key.fd)
                os.close(key.fd)
                run.open_fds.discard(key.fd)
            elif key.fd == run.channel_fd:
                run.channel.feed(chunk)
            else:
                run.output.add(chunk, run.job.limits.output_kb * 1024)

    def _finished(self, run: _Running, selector: selectors.BaseSelector) -> bool:
        now = time.monotonic()
        if run.status is None:
            if run.killed_for is None and now > run.started + run.startup + run.job.timeout:
                run.killed_for = "timeout"
                _kill_group(run.pid)
            pid, status = _try_reap(run.pid)
            if pid:
                run.status, run.exited_at = status, now
                _kill_group(run.pid)  # strays left in the child's group go too
                _drop_pidfd(run, selector)
        if run.status is None:
            return False
        if run.open_fds and now - run.exited_at < _EXIT_GRACE_SECONDS:
            return False
        self._drain(run)
        self._close(run, selector)
        return True

    def _watch(self, running: dict[int, _Running]) -> None:
        """Memory over all of each job's processes, and what it wrote: one /proc scan for all jobs."""
        now = time.monotonic()
        due = [r for r in running.values() if r.status is None and r.killed_for is None
               and now - r.last_watch >= _WATCH_SECONDS]
        if not due:
            return
        table = procs.scan()
        procs.kill_strays(table, self.leaders)
        for run in due:
            run.last_watch = now
            if run.processes.memory_mb(table) > run.job.limits.memory_mb:
                run.killed_for = "oom"
            elif folder_mb(run.job_dir.root) > run.job.limits.disk_mb:
                run.killed_for = "disk"
            if run.killed_for:
                _kill_group(run.pid)
                run.processes.kill_all()

    def _drain(self, run: _Running) -> None:
        for fd in list(run.open_fds):
            try:
                while chunk := os.read(fd, 65536):
                    if fd == run.channel_fd:
                        run.channel.feed(chunk)
                    else:  # what the child printed last, read after it exited
                        run.output.add(chunk, run.job.limits.output_kb * 1024)
            except (BlockingIOError, OSError):
                pass

    def _close(self, run: _Running, selector: selectors.BaseSelector) -> None:
        _drop_pidfd(run, selector)
        for fd in list(run.open_fds):
            try:
                selector.unregister(fd)
            except (KeyError, ValueError):
                pass
            os.close(fd)
        run.open_fds.clear()
        run.channel.close()

    def _outcome(self, run: _Running) -> JobOutcome:
        self._clean_up(run)
        status = run.status or 0
        return JobOutcome(
            job=replace(run.job, device=run.placement.device),
            records=_judged(run.channel.records, run.judgement),
            exit_code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            killed_for=run.killed_for,
            output=bytes(run.output),
            duration=(run.exited_at or time.monotonic()) - run.started,
            dropped_files=run.job_dir.dropped,
        )


def _judged(records: list[Event], judgement: judge.Judgement | None) -> list[Event]:
    """The child's observations turned into the judge's verdicts; everything else as it came."""
    if judgement is None:
        return records
    events: list[Event] = []
    for event in records:
        if not isinstance(event, Observed):
            events.append(event)
        elif event.id in judgement.pending:
            events.append(judgement.verdict(event.id, event.value, event.duration))
        else:
            events.append(Malformed("observations for a check that was not asked for, or twice"))
    judgement.close()
    return events


def _open_fds() -> set[int]:
    try:
        return {int(name) for name in os.listdir("/proc/self/fd")}
    except OSError:
        return set()


def _close_fds_opened_since(baseline: set[int], keep: set[int]) -> None:
    """In a child: other jobs' pipes and the caller's files (e.g. the gradebook) must not reach learner code."""
    for fd in _open_fds() - baseline - {0, 1, 2} - keep:
        try:
            os.close(fd)
        except OSError:
            pass


def _pidfd_open(pid: int) -> int:
    """A pidfd for the child (Linux 5.3+), or -1: then exits are noticed at the next poll."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return -1


def _drop_pidfd(run: _Running, selector: selectors.BaseSelector) -> None:
    if run.pidfd < 0:
        return
    try:
        selector.unregister(run.pidfd)
    except (KeyError, ValueError):
        pass
    os.close(run.pidfd)
    run.pidfd = -1


def _kill_group(pid: int) -> None:
    for kill, target in ((os.killpg, pid), (os.kill, pid)):
        try:
            kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _try_reap(pid: int) -> tuple[int, int]:
    try:
        return os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return pid, 0


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _stdin_from_devnull() -> None:
    """Learner code must not read or write the instructor's terminal."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)


_FREE_DISK_FACTOR = 2  # free space wanted before a job starts, in disk budgets


def _check_free_disk(limits: Limits) -> None:
    """A full temp filesystem is the machine's problem, never a learner's failure: stop and say so."""
    try:
        stats = os.statvfs(tempfile.gettempdir())
    except OSError:
        return
    free_mb = stats.f_bavail * stats.f_frsize / (1024 * 1024)
    if free_mb < limits.disk_mb * _FREE_DISK_FACTOR:
        raise KataError(f"only {free_mb:.0f} MB free in {tempfile.gettempdir()}; grading needs "
                        f"{limits.disk_mb * _FREE_DISK_FACTOR} MB: free some space or set TMPDIR")


# --- the spawn fallback -------------------------------------------------------------------------


def _spawn_child(job: Job, job_dir: Path, channel_fd: int, output_fd: int, control_fd: int,
                 placement: Placement) -> int:
    spec = {
        "kata_folder": str(job.kata.folder),
        "reference_root": str(job.kata.reference.parent),
        "job_dir": str(job_dir),
        "limits": job.limits.__dict__,
        "placement": placement.__dict__,
        "channel_fd": channel_fd,
        "control_fd": control_fd,
    }
    # -E -P: neither PYTHON* variables nor the current folder decide what `grader` is (a learner
    # folder named `grader` must never run before the sandbox); the cwd is the job's own folder.
    # (Not -I: that also drops the user site, where `pip install --user` put this package.)
    process = subprocess.Popen(
        [sys.executable, "-E", "-P", "-m", "grader.worker", json.dumps(spec)],
        stdin=subprocess.DEVNULL,
        stdout=output_fd,
        stderr=output_fd,
        pass_fds=(channel_fd, control_fd),
        start_new_session=True,
        cwd=job_dir,
    )
    process.returncode = 0  # reaped by the worker's own waitpid, not by Popen
    return process.pid


def _spawned_main() -> None:
    """`python -E -P -m grader.worker SPEC`: a cold child that collects for itself, then grades one job."""
    from grader.catalog import load_kata

    spec = json.loads(sys.argv[1])
    kata = load_kata(Path(spec["kata_folder"]), Path(spec["reference_root"]))
    collection = Collection([kata], judges=False)
    placement = Placement(**spec["placement"])
    job = Job(kata, Path(spec["job_dir"]) / "solution", placement.device, Limits(**spec["limits"]))
    _child_main(job, Path(spec["job_dir"]), collection.items[kata.id], spec["channel_fd"], spec["control_fd"],
                placement)


if __name__ == "__main__":
    _spawned_main()
