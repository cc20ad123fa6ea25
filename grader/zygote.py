"""The zygote: a warm process that forks one sandboxed child per job and watches it to the end.

It is forked from the `kata` process (worker.py) before that process ever loaded judge code, or
started as a fresh interpreter, so it holds no judge code, seed, expected value or other learners'
results, and it never loads any: torch, pytest and the exercise halves of the checks are warm here, nothing secret.
It talks to the `kata` process over one socket (trusted at both ends, so plain pickles): "start" a
job, the judge's "inputs" for a started job, "abort" one, "cancel" all; it answers "started" (with
the job's concrete device), "progress" (how many of its checks have reported), "outcome" (the
child's typed, still unjudged events) or "error".

Each job: a concrete device, a throwaway uid (root), a share of device memory (`_place`), a private
folder with only the kata's files, three pipes (results, output, control), then a fork (or a spawned
`python -m grader.child` where fork is unsafe). One select() loop reads results and output (the
head and tail of the output are kept), measures memory over all of each job's processes and the
size of its folder, and kills a job at its deadline or past a limit. On an NVIDIA GPU it also adds up
what the job's processes hold there (device_memory.py: NVML, read by a sampler process of its own),
since learner code can raise the share it was given inside the job. The deadline counts from the
child's start record (learner code runs only after it): the wait for the judge's inputs is the
machine's time, not the learner's. The zygote is the child subreaper: every process of a job dies
before its result is sent and its uid is reused. A forked child drops the zygote's state for the
jobs beside it before learner code runs.

Fork safety: this process never runs a tensor op or touches an accelerator; it only imports.
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
from collections import deque
from dataclasses import dataclass, field, replace
from functools import cached_property
from multiprocessing.connection import Connection
from pathlib import Path

from grader import child, device_memory, devices, launch, procs, sandbox
from grader.catalog import Kata, load_kata
from grader.channel import ParentChannel
from grader.errors import KataError
from grader.i18n import say
from grader.jobs import Job, JobOutcome, Placement
from grader.sandbox import FolderTooDeep, JobDir, Limits, folder_mb, prepare_job_dir, remove_job_dir
from grader.uids import UidPool

_POLL_SECONDS = 0.05
_WATCH_SECONDS = 0.1  # how often memory (all of a job's processes) and disk are measured
# The watch's share of this loop's time at most, however many jobs run: the loop also starts jobs and
# reads their results, and every job waits for it.
_WATCH_SHARE = 0.25
_EXIT_GRACE_SECONDS = 0.5
_SPAWN_STARTUP_SECONDS = 30.0  # a spawned child imports torch and collects before its job starts
# From when the `kata` process sent the judge's inputs (it may be busy judging other jobs before) to
# the start record: confinement, the device, reading the inputs. The learner's time limit starts with
# the start record.
_SETUP_SECONDS = 60.0
PRINTED_LINE_BYTES = 400  # of the learner's last printed line, for the progress line
PRINTED_LINE_INTERVAL = 0.5  # seconds between two progress messages about printed lines
_FREE_DISK_FACTOR = 2  # free space wanted before a job starts, in disk budgets


def _serve(connection: Connection, katas: list[Kata], parallel: int, spawn: bool | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the `kata` process's to handle
    try:
        supervisor = Supervisor(katas, parallel, spawn, connection)
    except KataError as exc:
        connection.send(("failed", None, str(exc)))
        return
    connection.send(("ready", None, supervisor.collection.names()))
    supervisor.serve()


def serve_forked(fd: int, katas: list[Kata], parallel: int, spawn: bool | None) -> None:
    """The zygote forked from the `kata` process: it keeps only its socket and the terminal, and never
    returns into the caller's code."""
    os.closerange(3, fd)
    os.closerange(fd + 1, 65536)
    code = 0
    try:
        _serve(Connection(fd), katas, parallel, spawn)
    except (EOFError, OSError):
        pass  # the `kata` process has gone: so do we
    except BaseException:  # noqa: BLE001 - a zygote never unwinds into the caller's code
        code = 1
    finally:
        os._exit(code)


def _spawned_main() -> None:
    spec = json.loads(sys.argv[-1])
    katas = [load_kata(Path(folder), Path(root)) for folder, root in spec["katas"]]
    code = 0
    try:
        _serve(Connection(spec["fd"]), katas, spec["parallel"], spec["spawn"])
    except (EOFError, OSError):
        pass  # the `kata` process has gone (it stopped early, or was interrupted): so do we
    except BaseException:  # noqa: BLE001 - the `kata` process says the zygote stopped; no traceback here
        code = 1
    sys.exit(code)


# --- the supervisor -------------------------------------------------------------------------------


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
    key: int
    job: Job
    pid: int
    job_dir: JobDir
    placement: Placement
    processes: procs.JobProcesses
    channel: ParentChannel
    started: float
    control_fd: int  # the judge's inputs go here, once
    inputs: bytearray = field(default_factory=bytearray)  # what is still to be written to control_fd
    checks_reported: int = 0
    output: _OutputKept = field(default_factory=_OutputKept)
    unfinished_line: bytes = b""  # what the learner's code printed after its last line end
    last_line: str = ""  # the last whole line it printed, for the progress line
    last_line_sent: float = 0.0
    open_fds: set[int] = field(default_factory=set)
    killed_for: str | None = None
    cpu_wait: float | None = None  # measured at a timeout (procs.cpu_wait_seconds)
    exited_at: float | None = None
    status: int | None = None
    last_watch: float = 0.0
    channel_fd: int = -1
    output_fd: int = -1
    startup: float = 0.0  # extra seconds for setting up (spawned children start cold)
    began: float | None = None  # when the start record came: learner code runs from here on
    inputs_came: float | None = None  # when the `kata` process sent the judge's inputs
    sockets: procs.SocketBuffers | None = None  # what its sockets hold queued (its own network namespace)
    pidfd: int = -1  # readable once the child exits: wakes select() at once instead of at the next poll


class Supervisor:
    """Runs jobs in fresh children, `parallel` at a time, as the `kata` process asks."""

    def __init__(self, katas: list[Kata], parallel: int, spawn: bool | None, connection: Connection | None = None):
        self.katas = {k.id: k for k in katas}
        self.collection = child.ExerciseCollection(katas)
        self.parallel = max(1, parallel)
        self.spawn = spawn
        self.connection = connection
        self.uids = UidPool() if sandbox.DROPS_PRIVILEGES else None
        self.leaders: set[int] = set()  # first process of each running job (orphans are everything else)
        if sys.platform.startswith("linux"):
            procs.adopt_orphans()
        self.busy: dict[str, int] = {}  # concrete device -> jobs running on it
        # what NVIDIA GPUs' processes hold: started for the first NVIDIA job (None without NVML)
        self.gpu_memory: device_memory.DeviceMemory | None = None
        self.gpu_memory_tried = False
        self.fds_at_start = child.open_fds()  # pytest's own files; anything newer is closed in children
        self.pending: deque[tuple[int, Job]] = deque()
        self.running: dict[int, _Running] = {}
        self.watch_after = 0.0  # the next watch round starts no sooner (_WATCH_SHARE)
        self.selector = selectors.DefaultSelector()

    # --- the loop

    def serve(self) -> None:
        """Until the `kata` process closes its end: start what it asks for, send back what ends."""
        self.selector.register(self.connection.fileno(), selectors.EVENT_READ, None)
        try:
            while True:
                self._start_pending()
                if not self._pump():
                    return
                self._send_finished()
        finally:
            self._cancel()
            self.selector.close()
            if self.gpu_memory is not None:
                self.gpu_memory.close()

    # no job's state outlives these calls in a local of serve(), which every forked child inherits
    def _start_pending(self) -> None:
        while self.pending and len(self.running) < self.parallel:
            key, job = self.pending.popleft()
            try:
                device = self._start(key, job).placement.device
            except KataError as exc:
                self.connection.send(("error", key, str(exc)))
                continue
            self.connection.send(("started", key, device))

    def _send_finished(self) -> None:
        for run in list(self.running.values()):
            if self._finished(run):
                del self.running[run.pid]
                self.connection.send(("outcome", run.key, self._outcome(run)))

    def _forget_other_jobs(self) -> None:
        """In a new child, before learner code: the jobs beside it (their learners' paths, what they
        printed and observed) are no longer reachable from any object. Their bytes may still lie in
        freed memory, which only code reading its own process's raw memory could find."""
        self.running.clear()
        self.pending.clear()
        # The selector's keys hold every running job. It lives on in a reference cycle, so its map is
        # emptied in place: unregister() would change the epoll set this child shares with the zygote.
        self.selector._fd_to_key.clear()

    def _requests(self) -> bool:
        """Handle what the `kata` process sent; False once it has gone."""
        try:
            while self.connection.poll():
                kind, key, payload = self.connection.recv()
                if kind == "start":
                    self.pending.append((key, payload))
                elif kind == "inputs":
                    self._send_inputs(key, payload)
                elif kind == "abort":
                    for run in self.running.values():
                        if run.key == key:
                            _kill_group(run.pid)
                elif kind == "cancel":
                    self._cancel()
                    self.connection.send(("cancelled", None, None))
        except (EOFError, OSError):
            return False
        return True

    def _send_inputs(self, key: int, line: bytes) -> None:
        """Queued, and written as the child reads: this loop never blocks on a child."""
        run = next((r for r in self.running.values() if r.key == key), None)
        if run is None or run.control_fd < 0:
            return
        run.inputs += line
        run.inputs_came = time.monotonic()
        os.set_blocking(run.control_fd, False)
        self.selector.register(run.control_fd, selectors.EVENT_WRITE, run)

    def _write_inputs(self, run: _Running) -> None:
        try:
            written = os.write(run.control_fd, run.inputs)
        except BlockingIOError:
            return
        except OSError:
            written = len(run.inputs)  # the child is gone already; its outcome says so
        del run.inputs[:written]
        if not run.inputs:
            self._forget(run.control_fd)
            run.control_fd = -1

    def _cancel(self) -> None:
        """Every running job dies and is cleaned up; nothing pending starts."""
        self.pending.clear()
        for run in self.running.values():
            _kill_group(run.pid)
            self._close(run)
            _reap(run.pid)
            self._clean_up(run)
        self.running.clear()

    def _start_gpu_memory(self) -> None:
        """Once, before the first NVIDIA job forks, so that its learner code is watched from the start."""
        if not self.gpu_memory_tried:
            self.gpu_memory_tried = True
            self.gpu_memory = device_memory.DeviceMemory.start()

    def _helpers(self) -> set[int]:
        """This process's own children that are no job: never killed as strays."""
        return {self.gpu_memory.pid} if self.gpu_memory is not None else set()

    @cached_property
    def _present_devices(self) -> list[str]:
        """Asked once per zygote (it probes every backend), on the first accelerator job."""
        return [d.name for d in devices.available()]

    def _place(self, job: Job) -> Placement:
        """A concrete device (`cuda` means every GPU: the least busy one), a uid and a memory share."""
        kind, _, index = job.device.partition(":")
        uid = self.uids.lease() if self.uids is not None else None
        if kind == "cpu":
            return Placement("cpu", uid, None)
        present = [name for name in self._present_devices if name.split(":")[0] == kind]
        device = (
            job.device if index or kind == "mps" else min(present or [f"{kind}:0"], key=lambda d: self.busy.get(d, 0))
        )
        sharing = math.ceil(self.parallel / max(1, len(present))) if not index else self.parallel
        return Placement(device, uid, devices.DEVICE_MEMORY_SHARE / max(1, sharing))

    def _start(self, key: int, job: Job) -> _Running:
        _check_free_disk(job.limits)
        placement = self._place(job)
        if _on_nvidia(placement):
            self._start_gpu_memory()
        try:
            job_dir = prepare_job_dir(job.solution_dir, job.kata.files)
        except OSError as exc:  # told to the `kata` process, never a silent end of this one
            raise KataError(f"could not copy {job.solution_dir} for grading: {exc.strerror or exc}") from None
        self.busy[placement.device] = self.busy.get(placement.device, 0) + 1
        channel_r, channel_w = os.pipe()
        output_r, output_w = os.pipe()
        control_r, control_w = os.pipe()
        spawn = self.spawn if self.spawn is not None else not launch.fork_is_safe()
        sys.stdout.flush()
        sys.stderr.flush()
        if spawn:
            pid = _spawn_child(job, job_dir.root, channel_w, output_w, control_r, placement)
        else:
            pid = procs.fork()
            if pid == 0:
                self._forget_other_jobs()
                signal.signal(signal.SIGINT, signal.default_int_handler)
                child.stdin_from_devnull()
                os.dup2(output_w, 1)
                os.dup2(output_w, 2)
                os.close(self.connection.fileno()) if self.connection else None
                child.close_fds_opened_since(self.fds_at_start, keep={channel_w, control_r})
                child.child_main(job, job_dir.root, self.collection.items[job.kata.id], channel_w, control_r, placement)
        os.close(channel_w)
        os.close(output_w)
        os.close(control_r)
        for fd in (channel_r, output_r):
            os.set_blocking(fd, False)
        self.leaders.add(pid)
        run = _Running(
            key,
            job,
            pid,
            job_dir,
            placement,
            procs.JobProcesses(pid, placement.uid),
            ParentChannel(frozenset(item.name for item in self.collection.items[job.kata.id])),
            time.monotonic(),
            control_w,
            open_fds={channel_r, output_r},
            channel_fd=channel_r,
            output_fd=output_r,
            pidfd=_pidfd_open(pid),
            startup=_SPAWN_STARTUP_SECONDS if spawn else 0.0,
        )
        self.running[pid] = run
        for fd in run.open_fds:
            self.selector.register(fd, selectors.EVENT_READ, run)
        if run.pidfd >= 0:
            self.selector.register(run.pidfd, selectors.EVENT_READ, run)
        return run

    def _clean_up(self, run: _Running) -> None:
        """Every process of the job dies before its uid is reused or its result recorded."""
        table = procs.scan()
        if run.processes.members(table):  # some still run: killed, then the machine is looked at afresh
            run.processes.kill_all(table)
            table = procs.scan()
        self.leaders.discard(run.pid)
        procs.kill_strays(table, self.leaders | self._helpers())
        if self.uids is not None and run.placement.uid is not None:
            self.uids.release(run.placement.uid)
        self.busy[run.placement.device] -= 1
        remove_job_dir(run.job_dir.root)

    def _pump(self) -> bool:
        """One round of select(); False once the `kata` process has gone."""
        self._watch()
        now = time.monotonic()
        deadlines = [_deadline(r) for r in self.running.values() if r.killed_for is None]
        wait = max(0.0, min([_POLL_SECONDS, *(d - now for d in deadlines)]))
        for key, _ in self.selector.select(wait):
            run: _Running | None = key.data
            if run is None:
                if not self._requests():
                    return False
                continue
            if key.fd == run.pidfd:
                continue  # the child exited: _finished() reaps it now
            if key.fd == run.control_fd:
                self._write_inputs(run)
                continue
            try:
                chunk = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                self.selector.unregister(key.fd)
                os.close(key.fd)
                run.open_fds.discard(key.fd)
            elif key.fd == run.channel_fd:
                run.channel.feed(chunk)
                if run.began is None and run.channel.started:
                    run.began = time.monotonic()
                    run.sockets = procs.SocketBuffers.of(run.pid)
                self._report_progress(run)
            else:
                run.output.add(chunk, run.job.limits.output_kb * 1024)
                self._note_printed(run, chunk)
        return True

    def _note_printed(self, run: _Running, chunk: bytes) -> None:
        """The last line the learner's code printed (an epoch's loss...), passed on at most twice a second."""
        text = run.unfinished_line + chunk
        *whole, run.unfinished_line = text.split(b"\n")
        run.unfinished_line = run.unfinished_line[-PRINTED_LINE_BYTES:]
        line = next((w for w in reversed(whole) if w.strip()), b"")
        if line:
            run.last_line = line[-PRINTED_LINE_BYTES:].decode("utf-8", errors="replace").strip()
        now = time.monotonic()
        if run.last_line and now - run.last_line_sent >= PRINTED_LINE_INTERVAL:
            run.last_line_sent = now
            self.connection.send(("progress", run.key, (run.checks_reported, run.last_line)))

    def _report_progress(self, run: _Running) -> None:
        """How many checks of the job have reported, each time that number grows."""
        done = run.channel.reports
        if done > run.checks_reported:
            run.checks_reported = done
            self.connection.send(("progress", run.key, (done, run.last_line)))

    def _finished(self, run: _Running) -> bool:
        now = time.monotonic()
        if run.status is None:
            if run.killed_for is None and now > _deadline(run):
                run.killed_for = "timeout"
                run.cpu_wait = procs.cpu_wait_seconds(run.processes.members())
                _kill_group(run.pid)
            pid, status = _try_reap(run.pid)
            if pid:
                run.status, run.exited_at = status, now
                _kill_group(run.pid)  # strays left in the child's group go too
                self._drop_pidfd(run)
        if run.status is None:
            return False
        if run.open_fds and now - run.exited_at < _EXIT_GRACE_SECONDS:
            return False
        self._drain(run)
        self._close(run)
        return True

    def _watch(self) -> None:
        """Memory over all of each job's processes, and what it wrote: one /proc scan for all jobs."""
        now = time.monotonic()
        due = [
            r
            for r in self.running.values()
            if r.status is None and r.killed_for is None and now - r.last_watch >= _WATCH_SECONDS
        ]
        if not due or now < self.watch_after:
            return
        table = procs.scan()
        by_pid = {process.pid: process for process in table}
        procs.kill_strays(table, self.leaders | self._helpers())
        gpus = self._gpu_samples(due)
        for run in due:
            run.last_watch = now
            members = run.processes.members(table)
            unlisted = procs.unlisted_files(members)
            kernel = procs.private_shm_mb(run.pid) + (run.sockets.queued_mb() if run.sockets is not None else 0.0)
            if procs.memory_over(members, by_pid, run.job.limits.memory_mb - unlisted.memory_mb - kernel):
                run.killed_for = "oom"
            elif _over_gpu_share(run, gpus, members):
                run.killed_for = "gpu-memory"
            else:
                run.killed_for = _over_disk(run, unlisted.disk_mb)
            if run.killed_for:
                _kill_group(run.pid)
                run.processes.kill_all()
        self.watch_after = now + (time.monotonic() - now) / _WATCH_SHARE

    def _gpu_samples(self, due: list[_Running]) -> list[device_memory.GpuSample]:
        """What every process holds on the NVIDIA GPUs, asked only while a job runs on one."""
        if not any(_on_nvidia(run.placement) for run in due) or self.gpu_memory is None:
            return []
        return self.gpu_memory.sample() or []

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

    def _close(self, run: _Running) -> None:
        self._drop_pidfd(run)
        if run.sockets is not None:
            run.sockets.close()
            run.sockets = None
        for fd in list(run.open_fds):
            self._forget(fd)
        run.open_fds.clear()
        if run.control_fd >= 0:
            self._forget(run.control_fd)
            run.control_fd = -1

    def _drop_pidfd(self, run: _Running) -> None:
        if run.pidfd >= 0:
            self._forget(run.pidfd)
            run.pidfd = -1

    def _forget(self, fd: int) -> None:
        """No longer watched (if it was) and closed."""
        try:
            self.selector.unregister(fd)
        except (KeyError, ValueError):
            pass
        os.close(fd)

    def _outcome(self, run: _Running) -> JobOutcome:
        self._clean_up(run)
        status = run.status or 0
        return JobOutcome(
            job=replace(run.job, device=run.placement.device),
            records=run.channel.records,
            exit_code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            killed_for=run.killed_for,
            output=bytes(run.output),
            duration=(run.exited_at or time.monotonic()) - run.started,
            dropped_files=run.job_dir.dropped,
            cpu_wait=run.cpu_wait,
        )


def _on_nvidia(placement: Placement) -> bool:
    return placement.device.split(":")[0] == "cuda" and placement.memory_fraction is not None


def _over_gpu_share(run: _Running, gpus: list[device_memory.GpuSample], members: list[int]) -> bool:
    """Past its share of a GPU, seen from outside: learner code may have raised the share it was given."""
    if not gpus or not _on_nvidia(run.placement):
        return False
    return device_memory.over_share(gpus, members, run.placement.memory_fraction)


def _over_disk(run: _Running, unlisted_mb: float) -> str | None:
    """ "disk" past the job's disk budget, "deep" past the folder depth a walk may go (jobs.py)."""
    try:
        written = folder_mb(run.job_dir.root)
    except FolderTooDeep:
        return "deep"
    return "disk" if written + unlisted_mb > run.job.limits.disk_mb else None


def _deadline(run: _Running) -> float:
    """The job's time limit counts from its start record; until then only setting up may take long,
    from when its inputs came: a `kata` process busy judging a classmate's job is no failure of this one's."""
    if run.began is None:
        return max(run.started, run.inputs_came or math.inf) + run.startup + _SETUP_SECONDS
    return run.began + run.job.timeout


def _pidfd_open(pid: int) -> int:
    """A pidfd for the child (Linux 5.3+), or -1: then exits are noticed at the next poll."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return -1


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


def _check_free_disk(limits: Limits) -> None:
    """A full temp filesystem is the machine's problem, never a learner's failure: stop and say so."""
    try:
        stats = os.statvfs(tempfile.gettempdir())
    except OSError:
        return
    free_mb = stats.f_bavail * stats.f_frsize / (1024 * 1024)
    if free_mb < limits.disk_mb * _FREE_DISK_FACTOR:
        raise KataError(
            f"only {free_mb:.0f} MB free in {tempfile.gettempdir()}; grading needs "
            f"{limits.disk_mb * _FREE_DISK_FACTOR} MB: free some space or set TMPDIR"
        )


def _spawn_child(
    job: Job, job_dir: Path, channel_fd: int, output_fd: int, control_fd: int, placement: Placement
) -> int:
    # the cwd is the job's own folder (not -I: that also drops the user site, where
    # `pip install --user` put torch)
    process = subprocess.Popen(
        launch.python_command("grader.child", child.spawn_spec(job, job_dir, channel_fd, control_fd, placement)),
        stdin=subprocess.DEVNULL,
        stdout=output_fd,
        stderr=output_fd,
        pass_fds=(channel_fd, control_fd),
        start_new_session=True,
        cwd=job_dir,
    )
    process.returncode = 0  # reaped by the zygote's own waitpid, not by Popen
    return process.pid
