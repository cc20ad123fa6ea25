"""The `kata` process's side of grading: it judges; a zygote process runs the learner's code.

`Worker(katas)` starts a zygote (zygote.py) before it loads any judge code, so no process that runs
learner code is ever forked from a process that holds verdict code, a secret seed or an expected
value. It then loads the judge halves of the checks (judge.py): they alone say which checks are
expected, with their points, titles and devices, and each must have an exercise of the same name.

`run_jobs()` keeps `parallel` jobs in the zygote. For each started job it makes the inputs (from the
session's secret seed, now that the job's child exists) and sends them; when the job ends, it turns
the child's observations into verdicts. Results for the runner are typed events (channel.py) in
which every pass was decided here.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import socket
import subprocess
import sys
import threading
import weakref
from collections import deque
from itertools import count
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from grader import procs
from grader.catalog import Kata
from grader.channel import Event, Malformed, Observed
from grader.errors import KataError
from grader.jobs import ExpectedCheck, Job, JobOutcome, device_kinds, device_skip_reason
from grader.launch import SEED_VARIABLE, fork_is_safe, judge_code_loaded, python_command

if TYPE_CHECKING:  # imported when first needed: the zygote starts before this process imports torch
    from grader import judge

__all__ = ["ExpectedCheck", "Job", "JobOutcome", "Worker"]

# (job, checks reported, checks in all, the last line its code printed or "")
Progress = Callable[[Job, int, int, str], None]
_ZYGOTE_GONE = "the grading process stopped unexpectedly; nothing was graded from here on (see `kata doctor`)"


def start_zygote(katas: list[Kata], parallel: int, spawn: bool | None, fresh: bool) -> tuple[Connection, int]:
    """A new zygote for `katas` (zygote.py). Forked from this process, with torch already imported,
    while this process has never loaded judge code (so it holds no verdict code, seed or expected
    value) and the caller holds nothing else a learner may not see (`fresh=False`); else a fresh
    interpreter, which inherits nothing of this process's memory."""
    ours, theirs = socket.socketpair()
    if not fresh and not judge_code_loaded() and fork_is_safe():
        import torch  # noqa: F401 - imported before the fork: the zygote starts warm

        sys.stdout.flush()
        sys.stderr.flush()
        pid = procs.fork()
        if pid == 0:
            ours.close()
            from grader import zygote

            zygote.serve_forked(theirs.detach(), katas, parallel, spawn)
        theirs.close()
        return Connection(ours.detach()), pid
    spec = {
        "katas": [[str(k.folder), str(k.reference.parent)] for k in katas],
        "parallel": parallel,
        "spawn": spawn,
        "fd": theirs.fileno(),
    }
    environment = {name: value for name, value in os.environ.items() if name != SEED_VARIABLE}  # the judge's
    process = subprocess.Popen(
        python_command("grader.zygote", json.dumps(spec)),
        pass_fds=(theirs.fileno(),),
        stdin=subprocess.DEVNULL,
        env=environment,
    )
    process.returncode = 0  # reaped by stop_zygote(), not by Popen
    theirs.close()
    return Connection(ours.detach()), process.pid


def stop_zygote(connection: Connection, pid: int) -> None:
    """Shutting the socket down ends the zygote (it kills its jobs first) and wakes the reader
    thread (a plain close would not, while it waits in recv); then reap the zygote."""
    try:
        socket.fromfd(connection.fileno(), socket.AF_UNIX, socket.SOCK_STREAM).shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


class Worker:
    """Grades jobs in fresh children of a warm zygote, `parallel` at a time; judges them here."""

    def __init__(self, katas: Iterable[Kata], parallel: int = 1, spawn: bool | None = None, fresh: bool = False):
        """`fresh`: start the zygote as a new interpreter even where it could be forked from this
        process (the caller holds what no learner may see, e.g. other learners' names)."""
        self.katas = {k.id: k for k in katas}
        self.parallel = max(1, parallel)
        self._connection, pid = start_zygote(list(self.katas.values()), self.parallel, spawn, fresh)
        self._stop = weakref.finalize(self, stop_zygote, self._connection, pid)
        # A thread always reads what the zygote sends, so neither side can block the other when
        # both send at once (large inputs one way, large observations the other).
        self._inbox: queue.Queue[tuple] = queue.Queue()
        threading.Thread(target=_read_into, args=(self._connection, self._inbox), daemon=True).start()
        self._keys = count()
        self._judges: dict[str, list[judge.JudgeCheck]] | None = None
        self._expected: dict[str, list[ExpectedCheck]] = {}

    @property
    def judges(self) -> dict[str, list[judge.JudgeCheck]]:
        """The judge halves, loaded (and paired with the zygote's exercises) on first use, so that
        this process imports torch while the zygote starts."""
        if self._judges is None:
            from grader import judge

            judges = {kata_id: judge.load_checks(kata) for kata_id, kata in self.katas.items()}
            kind, _, exercises = self._receive()
            if kind != "ready":
                self.close()
                raise KataError(exercises)
            for kata_id, checks in judges.items():
                _pair(self.katas[kata_id], [c.id for c in checks], exercises[kata_id])
            self._expected = {
                kata_id: [ExpectedCheck(c.id, c.title, c.title_zh, c.points, device_kinds(c.marks)) for c in checks]
                for kata_id, checks in judges.items()
            }
            self._judges = judges
        return self._judges

    def expected(self, kata: Kata) -> list[ExpectedCheck]:
        self.judges  # noqa: B018 - loads them
        return self._expected[kata.id]

    def close(self) -> None:
        """Stop the zygote now (it also stops when this worker is garbage-collected)."""
        self._stop()

    def _receive(self, block: bool = True) -> tuple | None:
        """The zygote's next message; None if none is there yet and `block` is False."""
        try:
            message = self._inbox.get(block)
        except queue.Empty:
            return None
        if message[0] == "gone":
            self._inbox.put(message)  # and for every later call
            raise KataError(_ZYGOTE_GONE)
        return message

    def _next_message(self, later: deque[tuple]) -> tuple:
        """What the zygote sent, started jobs (and progress) first: a started job's child sits idle
        until its inputs come, while an ended job waiting to be judged holds up nobody. `later`: the
        messages put off so far, taken in the order they came (the zygote's end after them)."""
        while True:
            try:
                message = self._receive(block=False)
            except KataError:
                if later:
                    return later.popleft()
                raise
            if message is None:
                return later.popleft() if later else self._receive()
            if message[0] in ("started", "progress"):
                return message
            later.append(message)

    def _send(self, message: tuple) -> None:
        try:
            self._connection.send(message)
        except OSError:
            raise KataError(_ZYGOTE_GONE) from None

    def run_jobs(self, jobs: Iterable[Job], on_progress: Progress | None = None) -> Iterator[JobOutcome]:
        """Grade jobs; yields each outcome, judged, as its child finishes (order not guaranteed).
        `on_progress(job, checks_done, checks_total, printed)` hears each job's checks as they report, and
        the last line its code printed."""
        from grader.observations import encode

        self.judges  # noqa: B018 - loads them
        pending = deque(jobs)
        in_flight: dict[int, tuple[Job, judge.Judgement | None]] = {}
        later: deque[tuple] = deque()  # outcomes (and errors) received while a started job waits for inputs
        try:
            while pending or in_flight:
                # The zygote holds as many more as run, and starts each the moment a running one ends.
                while pending and len(in_flight) < 2 * self.parallel:
                    key = next(self._keys)
                    in_flight[key] = (pending[0], None)
                    self._send(("start", key, pending.popleft()))
                kind, key, payload = self._next_message(later)
                if kind == "started":
                    job = in_flight[key][0]
                    with _one_thread():
                        judgement = self._judgement(key, job, payload)
                        inputs = (json.dumps(encode(judgement.inputs)) + "\n").encode()
                    in_flight[key] = (job, judgement)
                    self._send(("inputs", key, inputs))
                elif kind == "progress" and on_progress is not None and in_flight[key][1] is not None:
                    job, judgement = in_flight[key]
                    done, printed = payload
                    on_progress(job, done, len(judgement.inputs), printed)
                elif kind == "outcome":
                    job, judgement = in_flight.pop(key)
                    with _one_thread():
                        payload.records = _judged(job.kata, payload.records, judgement)
                    yield payload
                elif kind == "error":
                    in_flight.pop(key)
                    raise KataError(payload)
        finally:
            if in_flight:
                self._cancel()

    def _judgement(self, key: int, job: Job, device: str) -> judge.Judgement:
        """The judge's half of one started job: its inputs, made now that its child exists."""
        from grader import judge

        kata = job.kata
        checks = [c for c in self.judges[kata.id] if device_skip_reason(device_kinds(c.marks), device) is None]
        try:
            return judge.Judgement(checks, _job_key(job), device, kata.data_dir)
        except judge.CheckBug as exc:
            self._send(("abort", key, None))
            raise _broken(kata, exc) from None

    def _cancel(self) -> None:
        """Stop every job of this run in the zygote and wait until it has (their outcomes are dropped)."""
        try:
            self._connection.send(("cancel", None, None))
            while self._receive()[0] != "cancelled":
                pass
        except (KataError, OSError):
            pass


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """The judge's tensor work, in this process beside the jobs, on one thread: its operations are small,
    and with a thread per core each one waits for OpenMP threads that the jobs have pushed off the CPUs
    (a class of 12 on 16 cores graded at 2.4 jobs/s). Restored after, for whoever else uses this process."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _job_key(job: Job) -> str:
    """What, with the session's seed, decides a job's inputs. A fresh key per job: no two jobs share
    inputs. With KATA_SEED, the kata and the files that count: the same submission gets the same
    inputs on a rerun or another machine (a sharded batch merges into exactly one machine's run)."""
    from grader import judge
    from grader.sandbox import content_hash

    if judge.FIXED_SEED is None:
        return secrets.token_hex(16)
    return f"{job.kata.id}:{job.kata.version}:{content_hash(job.solution_dir, job.kata.files)}"


def _read_into(connection: Connection, inbox: queue.Queue) -> None:
    """Every message from the zygote, in order; ("gone",) once it has closed its end."""
    while True:
        try:
            inbox.put(connection.recv())
        except (EOFError, OSError):
            inbox.put(("gone", None, None))
            return


def _pair(kata: Kata, judged: list[str], exercised: list[str]) -> None:
    """Every judge has an exercise of the same name, and the other way round."""
    for name in judged:
        if name not in exercised:
            raise KataError(f"{kata.checks}: {name} has no exercise of the same name in exercise_*.py")
    for name in exercised:
        if name not in judged:
            raise KataError(f"{kata.checks}: the exercise {name} has no judge of the same name in test_*.py")
    if not judged:
        raise KataError(f"{kata.checks}: no checks found")
    if len(set(judged)) != len(judged):
        raise KataError(f"{kata.checks}: two checks share a name; check names must be unique")


class BrokenCheck(KataError):
    """A check's own bug stops grading: it says nothing about the learner's code."""


def _broken(kata: Kata, bug: judge.CheckBug) -> BrokenCheck:
    return BrokenCheck(f"{kata.id}: a check is broken: {bug}")


def _judged(kata: Kata, records: list[Event], judgement: judge.Judgement | None) -> list[Event]:
    """The child's observations turned into the judge's verdicts; everything else as it came."""
    from grader import judge

    if judgement is None:  # the job never got its inputs: nothing it sent can pass
        return [e for e in records if not isinstance(e, Observed)]
    events: list[Event] = []
    for event in records:
        if not isinstance(event, Observed):
            events.append(event)
        elif event.id in judgement.pending:
            try:
                events.append(judgement.verdict(event.id, event.value, event.duration))
            except judge.CheckBug as exc:
                judgement.close()
                raise _broken(kata, exc) from None
        else:
            events.append(Malformed("observations for a check that was not asked for, or twice"))
    judgement.close()
    return events
