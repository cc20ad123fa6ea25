"""Every process of one grading job, found from /proc: for the memory total and for the final kill.

A job's processes are those running as its own throwaway uid (exact: only this job ever has that
uid while it runs), else those in its session, their descendants, and anything seen in the job
before. The worker is also a child subreaper (`adopt_orphans`): a process whose parent dies is
handed to the worker instead of init, so a double fork with `setsid` cannot hide; `kill_strays`
kills and reaps every such orphan.
"""

from __future__ import annotations

import os
import signal
import stat
from dataclasses import dataclass, field

_KILL_ROUNDS = 20
_PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    ppid: int
    session: int
    uid: int
    zombie: bool = False


def _read(pid: int) -> ProcessInfo | None:
    """From /proc/PID/stat (the command name may hold spaces and parentheses) and the real uid from
    /proc/PID/status (the folder's owner turns to root when a process makes itself non-dumpable)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        with open(f"/proc/{pid}/status", "rb") as status:
            uid_line = next(line for line in status if line.startswith(b"Uid:"))
        return ProcessInfo(pid, int(fields[1]), int(fields[3]), int(uid_line.split()[1]), fields[0] in (b"Z", b"X"))
    except (OSError, IndexError, ValueError, StopIteration):
        return None


def scan() -> list[ProcessInfo]:
    found = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit():
            continue
        info = _read(int(name))
        if info is not None:
            found.append(info)
    return found


def memory_mb(pid: int) -> float:
    """Proportional set size (shared pages split between their users), else resident size."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return 0.0


@dataclass(frozen=True)
class UnlistedFiles:
    """What a job holds through open files that no folder lists: memfds are memory, deleted files disk.
    Neither shows in a process's memory figures nor in a walk of the job folder."""

    memory_mb: float = 0.0
    disk_mb: float = 0.0


def _listing(pid: int, folder: str) -> list[str]:
    """The names in /proc/PID/<folder>; none when the process is gone or out of reach."""
    try:
        return os.listdir(f"/proc/{pid}/{folder}")
    except OSError:
        return []


def unlisted_files(pids: list[int]) -> UnlistedFiles:
    """Each such file once (by inode), however many of the processes hold it open."""
    seen: set[tuple[int, int]] = set()
    memory = disk = 0
    for pid in pids:
        for descriptor in _listing(pid, "fd"):
            link = f"/proc/{pid}/fd/{descriptor}"
            try:
                target = os.readlink(link)
                in_memory = target.startswith("/memfd:")
                if not in_memory and not target.endswith(" (deleted)"):
                    continue
                info = os.stat(link)
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode) or (info.st_dev, info.st_ino) in seen:
                continue
            if not in_memory and info.st_nlink > 0:
                continue  # still listed under another name, where the folder walk counts it
            seen.add((info.st_dev, info.st_ino))
            if in_memory:
                memory += info.st_blocks * 512
            else:
                disk += info.st_blocks * 512
    return UnlistedFiles(memory / (1024 * 1024), disk / (1024 * 1024))


def cpu_wait_seconds(pids: list[int]) -> float | None:
    """How long the threads of these processes were ready to run but waited for a CPU (a busy
    machine, not the job's own sleeping), from /proc/PID/task/TID/schedstat; None where the kernel
    keeps no such figure."""
    waited_ns, found = 0, False
    for pid in pids:
        for thread in _listing(pid, "task"):
            try:
                with open(f"/proc/{pid}/task/{thread}/schedstat") as schedstat:
                    waited_ns += int(schedstat.read().split()[1])
                found = True
            except (OSError, ValueError, IndexError):
                continue
    return waited_ns / 1e9 if found else None


@dataclass
class JobProcesses:
    """The processes of the job whose first process is `leader`, running as `uid` (None: shared uid)."""

    leader: int
    uid: int | None
    known: set[int] = field(default_factory=set)

    def members(self, table: list[ProcessInfo] | None = None) -> list[int]:
        table = [p for p in (scan() if table is None else table) if not p.zombie]  # zombies run nothing
        if self.uid is not None:
            members = {p.pid for p in table if p.uid == self.uid}
        else:
            alive = {p.pid for p in table}
            members = {self.leader} & alive | {p.pid for p in table if p.session == self.leader}
            members |= self.known & alive
            grew = True
            while grew:
                children = {p.pid for p in table if p.ppid in members} - members
                grew = bool(children)
                members |= children
        self.known |= members
        return sorted(members)

    def usage(self, table: list[ProcessInfo] | None = None) -> tuple[float, UnlistedFiles]:
        """The memory of all the job's processes (PSS), and what they hold in unlisted files."""
        members = self.members(table)
        return sum(memory_mb(pid) for pid in members), unlisted_files(members)

    def kill_all(self) -> bool:
        """SIGKILL every process of the job until none is left; False if some survived every round."""
        for _ in range(_KILL_ROUNDS):
            members = [pid for pid in self.members() if pid != os.getpid()]
            if not members:
                return True
            if self.uid is not None:
                _kill_every_process_of(self.uid)
            for pid in members:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            _reap_zombies(members)
        return not self.members()


def adopt_orphans() -> bool:
    """Make this process the child subreaper of everything it starts (Linux 3.4+)."""
    import ctypes

    return ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def kill_strays(table: list[ProcessInfo], leaders: set[int]) -> None:
    """Kill and reap the orphans handed to this process: children of ours that are no job's leader."""
    me = os.getpid()
    for process in table:
        if process.ppid == me and process.pid not in leaders:
            if not process.zombie:
                try:
                    os.kill(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                os.waitpid(process.pid, os.WNOHANG)  # a killed one not yet gone: the next scan reaps it
            except ChildProcessError:
                pass


def _kill_every_process_of(uid: int) -> None:
    """kill(-1) as that uid reaches all its processes at once, so a fork race cannot outrun it."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _reap_zombies(pids: list[int]) -> None:
    """Our own children among them would stay as zombies (and count as members) until reaped."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
