"""Every process of one grading job, found from /proc: for the memory total and for the final kill.

A job's processes are those running as its own throwaway uid (exact: only this job ever has that
uid while it runs), else those in its session, their descendants, and anything seen in the job
before. The worker is also a child subreaper (`adopt_orphans`): a process whose parent dies is
handed to the worker instead of init, so a double fork with `setsid` cannot hide; `kill_strays`
kills and reaps every such orphan.

What a job's sockets hold queued and the files on its own /dev/shm are memory in no process's
figures: `SocketBuffers` reads the first from inside the job's own network namespace (sock_diag),
where every socket the job makes lives, and `private_shm_mb` the second through the job's root.
"""

from __future__ import annotations

import ctypes
import functools
import os
import select
import signal
import socket
import stat
import struct
import threading
import warnings
from collections.abc import Callable
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
    resident_mb: float = 0.0  # RSS: shared pages counted in full by each of their users
    threads: int = 1


def _read(pid: int) -> ProcessInfo | None:
    """From /proc/PID/status alone: one file per process, read each watch round for every process on
    the machine. Its uid is the real one (the folder's owner turns to root when a process makes itself
    non-dumpable); a kernel thread has no resident size."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            return parse_status(pid, status.read())
    except (OSError, IndexError, ValueError, TypeError):
        return None


def parse_status(pid: int, text: bytes) -> ProcessInfo:
    """The process's name comes first and has its line ends escaped, so each field starts a line."""

    def field(name: bytes) -> list[bytes] | None:
        start = text.find(b"\n" + name + b":")
        if start < 0:
            return None
        return text[start + len(name) + 2 : text.find(b"\n", start + 1)].split()

    resident_kb = field(b"VmRSS")
    session = field(b"NSsid")  # Linux 4.1+; its first figure is the one /proc's namespace sees
    return ProcessInfo(
        pid,
        ppid=int(field(b"PPid")[0]),
        session=int(session[0]) if session else _session_from_stat(pid),
        uid=int(field(b"Uid")[0]),
        zombie=field(b"State")[0] in (b"Z", b"X"),
        resident_mb=int(resident_kb[0]) / 1024 if resident_kb else 0.0,
        threads=int(field(b"Threads")[0]),
    )


def _session_from_stat(pid: int) -> int:
    """Where status has no session."""
    return int(stat_fields(pid)[3])


def stat_fields(pid: int) -> list[bytes]:
    """The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses),
    from its state on; OSError where the process is gone."""
    with open(f"/proc/{pid}/stat", "rb") as stat:
        return stat.read().rsplit(b")", 1)[1].split()


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


def memory_over(pids: list[int], found: dict[int, ProcessInfo], limit_mb: float) -> bool:
    """Whether these processes together hold more than `limit_mb` of memory, shared pages split between
    their users (PSS). A process's PSS is at most its resident size, which the table already holds, so
    a resident total within the limit, even read as far behind as the kernel's counters may be, settles
    it without walking each process's page tables (milliseconds for a process of torch's size, per
    process, each watch round). `found`: a scan, by pid."""
    if all(pid in found for pid in pids):
        resident = sum(found[pid].resident_mb + _resident_lag_mb(found[pid].threads) for pid in pids)
        if resident <= limit_mb:
            return False
    return sum(memory_mb(pid) for pid in pids) > limit_mb


def _resident_lag_mb(threads: int) -> float:
    """How far behind a process's resident size may read: the kernel keeps its three counters (anon,
    file, shmem) per CPU since Linux 6.2, each CPU up to max(32, 2 x CPUs) pages behind, and before
    that per thread, each up to 64 pages behind."""
    cpus = os.cpu_count() or 1
    per_cpu = cpus * max(32, 2 * cpus)
    pages = 3 * (per_cpu if _kernel_at_least(6, 2) else max(per_cpu, threads * 64))
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@functools.cache
def _kernel_at_least(major: int, minor: int) -> bool:
    try:
        found = tuple(int(part) for part in os.uname().release.split("-")[0].split(".")[:2])
    except ValueError:
        return False
    return found >= (major, minor)


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

    def kill_all(self, table: list[ProcessInfo] | None = None) -> bool:
        """SIGKILL every process of the job until none is left; False if some survived every round.
        `table`: a scan just taken, for the first round."""
        for _ in range(_KILL_ROUNDS):
            members = [pid for pid in self.members(table) if pid != os.getpid()]
            table = None
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


def fork() -> int:
    """`os.fork()` without Python 3.12's warning that this process has threads: the threads a CUDA
    build of torch starts at import hold none of the locks a forked child of ours uses."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def answer_in_child(question: Callable[[], int], default: int, seconds: float = 60.0) -> int:
    """`question()` asked in a forked child, for a question whose asking would change this
    process for good (counting CUDA devices without NVML starts CUDA, and a process that did can no
    longer fork children that use it). `default` where the child fails or takes longer than `seconds`."""
    reader, writer = os.pipe()
    pid = fork()
    if pid == 0:
        try:
            os.close(reader)
            warnings.simplefilter("ignore")  # what the backend warns about is this process's to say, not the child's
            os.write(writer, str(int(question())).encode())
        finally:
            os._exit(0)  # never back into the caller's code, whatever happened
    os.close(writer)
    try:
        ready, _, _ = select.select([reader], [], [], seconds)
        answer = os.read(reader, 64) if ready else b""
    finally:
        os.close(reader)
    if not answer:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os.waitpid(pid, 0)
    try:
        return int(answer)
    except ValueError:
        return default


def _kill_every_process_of(uid: int) -> None:
    """kill(-1) as that uid reaches all its processes at once, so a fork race cannot outrun it."""
    pid = fork()
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


def private_shm_mb(pid: int) -> float:
    """What the files on the job's own /dev/shm (a tmpfs: memory) take, mapped or not; 0 where the
    job sees the machine's /dev/shm, whose other users it must not be charged for."""
    try:
        if os.stat(f"/proc/{pid}/ns/mnt").st_ino == os.stat("/proc/self/ns/mnt").st_ino:
            return 0.0
        theirs = f"/proc/{pid}/root/dev/shm"
        if os.stat(theirs).st_dev == os.stat("/dev/shm").st_dev:
            return 0.0
        usage = os.statvfs(theirs)
    except OSError:
        return 0.0
    return (usage.f_blocks - usage.f_bfree) * usage.f_frsize / (1024 * 1024)


# --- socket buffers: memory that no process's figures show --------------------------------------

_CLONE_NEWNET = 0x40000000
_NETLINK_SOCK_DIAG, _SOCK_DIAG_BY_FAMILY = 4, 20
_NLM_F_REQUEST, _NLM_F_DUMP, _NLMSG_DONE, _NLMSG_ERROR = 0x1, 0x300, 3, 2
_UDIAG_SHOW_RQLEN, _UNIX_DIAG_RQLEN = 0x10, 4
_DIAG_MESSAGE = struct.Struct("=BBBBIII")  # unix_diag_msg: family, type, state, pad, inode, cookie
_RTA_ALIGN = 4


class SocketBuffers:
    """What the job's Unix sockets hold queued, read with sock_diag from inside its own network
    namespace (which every socket its processes make belongs to). Data written into a socket lives
    in the kernel: no process's memory figures show it, and a closed sender's data stays queued in
    its peer, about 8 MiB per socket. Each socket counts what waits in its receive queue and what it
    has sent but its peer has not read: a pair still open counts its data twice, an upper bound."""

    def __init__(self, diag: socket.socket):
        self._diag = diag

    @classmethod
    def of(cls, pid: int) -> SocketBuffers | None:
        """For the job whose process is `pid`; None where it shares this process's network
        namespace (its sockets cannot be told from the machine's) or the namespace is out of reach."""
        try:
            if os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat("/proc/self/ns/net").st_ino:
                return None
            namespace = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return None
        made: list[socket.socket] = []

        def enter() -> None:  # setns moves only this short-lived thread, never the zygote
            if ctypes.CDLL(None, use_errno=True).setns(namespace, _CLONE_NEWNET) == 0:
                made.append(socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_SOCK_DIAG))

        thread = threading.Thread(target=enter)
        thread.start()
        thread.join()
        os.close(namespace)
        return cls(made[0]) if made else None

    def queued_mb(self) -> float:
        request = struct.pack("=BBHIIIII", socket.AF_UNIX, 0, 0, 0xFFFFFFFF, 0, _UDIAG_SHOW_RQLEN, 0, 0)
        header = struct.pack("=IHHII", 16 + len(request), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST | _NLM_F_DUMP, 1, 0)
        total = 0
        try:
            self._diag.send(header + request)
            while True:
                data = self._diag.recv(1 << 16)
                for kind, payload in _netlink_messages(data):
                    if kind in (_NLMSG_DONE, _NLMSG_ERROR):
                        return total / (1024 * 1024)
                    total += _queued_bytes(payload)
                if not data:
                    return total / (1024 * 1024)
        except OSError:
            return total / (1024 * 1024)

    def close(self) -> None:
        self._diag.close()


def _netlink_messages(data: bytes):
    offset = 0
    while offset + 16 <= len(data):
        length, kind = struct.unpack_from("=IH", data, offset)
        if length < 16:
            return
        yield kind, data[offset + 16 : offset + length]
        offset += (length + _RTA_ALIGN - 1) & ~(_RTA_ALIGN - 1)


def _queued_bytes(payload: bytes) -> int:
    """From a unix_diag_msg's UNIX_DIAG_RQLEN attribute: what waits to be read and what was sent
    (a listening socket's figure is its backlog count, no bytes). A datagram socket says only the size
    of its first waiting datagram: each of the others may hold the most one datagram can."""
    if len(payload) < _DIAG_MESSAGE.size:
        return 0
    kind_of_socket, state = payload[1], payload[2]
    offset = _DIAG_MESSAGE.size
    while offset + 4 <= len(payload):
        length, kind = struct.unpack_from("=HH", payload, offset)
        if length < 4:
            return 0
        if kind == _UNIX_DIAG_RQLEN and length >= 12 and state != _TCP_LISTEN:
            receive, send = struct.unpack_from("=II", payload, offset + 4)
            if kind_of_socket == socket.SOCK_DGRAM and receive:
                receive += _DATAGRAM_QUEUE * _LARGEST_DATAGRAM
            return receive + send
        offset += (length + _RTA_ALIGN - 1) & ~(_RTA_ALIGN - 1)
    return 0


def _sysctl(name: str, default: int) -> int:
    try:
        with open(f"/proc/sys/{name}") as file:
            return int(file.read())
    except (OSError, ValueError):
        return default


_TCP_LISTEN = 10
_DATAGRAM_QUEUE = _sysctl("net/unix/max_dgram_qlen", 10) + 1  # the kernel lets one more in
_LARGEST_DATAGRAM = 2 * _sysctl("net/core/wmem_max", 212992)  # SO_SNDBUF doubles what it is given
