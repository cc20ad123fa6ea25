"""What a grading child does to itself before any learner code runs, and the limits it runs under.

The parent prepares a private folder per job (`prepare_job_dir`: a copy of the solution with its own
HOME and TMPDIR); the child then calls `confine` to start a new session (so the parent can kill the
whole process group), set rlimits (CPU seconds, file size, no core dumps, a generous address-space
cap), pin its thread count and move into the private copy: protections any user can apply to itself.
As root, the child also leaves the network (a fresh network namespace, no interface up) and becomes
a throwaway user (uid 200000 + its pid, so per-user limits such as RLIMIT_NPROC count this job
alone) that owns only its job folder. Where the Python install is not readable by other users (e.g.
under /root), that user keeps one capability, CAP_DAC_READ_SEARCH, so it can still read (never
write) outside its folder. Without root it tries an unprivileged user + network namespace, where the
kernel allows one.
"""

from __future__ import annotations

import ctypes
import math
import os
import resource
import shutil
import signal
import stat
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

MAX_COPIED_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Resource limits for one grading job. `timeout=None` means the kata's own timeout."""

    timeout: float | None = None
    memory_mb: int = 3072  # resident memory the parent allows before killing (status oom)
    address_space_mb: int = 8192  # hard cap the kernel enforces (generous: torch maps a lot)
    file_size_mb: int = 64
    output_kb: int = 64  # learner output kept for diagnostics; the rest is read and dropped
    threads: int = 1
    processes: int = 16  # RLIMIT_NPROC for the throwaway user (root only): stops fork and thread bombs


def prepare_job_dir(solution_dir: Path) -> Path:
    """A private folder: `solution/` (a copy of regular files only), `home/`, `tmp/`."""
    root = Path(tempfile.mkdtemp(prefix="kata-job-"))
    target = root / "solution"
    target.mkdir()
    copied = 0
    for source in sorted(solution_dir.rglob("*")):
        relative = source.relative_to(solution_dir)
        if source.is_symlink() or any(part.startswith(".") for part in relative.parts):
            continue  # no links out of the submission, no hidden state such as .kata/
        if source.is_dir():
            (target / relative).mkdir(parents=True, exist_ok=True)
        elif source.is_file():
            copied += source.stat().st_size
            if copied > MAX_COPIED_BYTES:
                break
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / relative)
    (root / "home").mkdir()
    (root / "tmp").mkdir()
    return root


def remove_job_dir(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)


def _set_limit(which: int, value: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    try:
        resource.setrlimit(which, (value, value if hard == resource.RLIM_INFINITY else hard))
    except (ValueError, OSError):
        pass  # a platform that refuses a limit keeps its default; the parent still kills on time


_UID_BASE = 200_000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1
_PR_SET_KEEPCAPS = 8
_PR_SET_NO_NEW_PRIVS = 38
_CAP_DAC_READ_SEARCH = 2
_CAPABILITY_VERSION_3 = 0x20080522
_ORPHANED = 71


def _readable_by_others(path: Path) -> bool:
    """Whether a user with no special rights can reach and read `path`."""
    try:
        for parent in [path, *path.parents]:
            if not parent.stat().st_mode & stat.S_IXOTH:
                return False
        return bool(path.stat().st_mode & stat.S_IROTH)
    except OSError:
        return False


# Decided once in the warm parent: every forked child inherits the answer.
PYTHON_READABLE = all(
    _readable_by_others(Path(sysconfig.get_paths()[key])) for key in ("stdlib", "platstdlib", "purelib")
)
_CAP_CHOWN, _CAP_SETGID, _CAP_SETUID = 0, 6, 7


def _effective_capabilities() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("CapEff:"):
                    return int(line.split()[1], 16)
    except (OSError, ValueError):
        pass
    return 0


def _can_become_throwaway_user() -> bool:
    """Root with the capabilities the switch needs (a container may have dropped some): else the
    child would lose root half-way and then fail to import anything."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and sys.platform.startswith("linux")):
        return False
    needed = {_CAP_CHOWN, _CAP_SETGID, _CAP_SETUID} | ({_CAP_DAC_READ_SEARCH} if not PYTHON_READABLE else set())
    capabilities = _effective_capabilities()
    return all(capabilities >> bit & 1 for bit in needed)


DROPS_PRIVILEGES = _can_become_throwaway_user()
_CAP_SYS_ADMIN = 21
CUTS_NETWORK = DROPS_PRIVILEGES and bool(_effective_capabilities() >> _CAP_SYS_ADMIN & 1)  # unshare needs it


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _unshare(flags: int) -> bool:
    return _libc().unshare(flags) == 0


def _leave_network_unprivileged() -> None:
    """Without root: a user namespace that maps only our own ids, plus an empty network namespace."""
    uid, gid = os.getuid(), os.getgid()
    if not _unshare(_CLONE_NEWUSER | _CLONE_NEWNET):
        return  # the kernel does not allow it here: the network stays reachable
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as file:
            file.write(text)


def _keep_only_read_search() -> None:
    """capset(2): effective = permitted = {CAP_DAC_READ_SEARCH}, nothing else."""

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    bit = 1 << _CAP_DAC_READ_SEARCH
    data = (Data * 2)(Data(bit, bit, 0), Data(0, 0, 0))
    if _libc().capset(ctypes.byref(Header(_CAPABILITY_VERSION_3, 0)), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def _become_throwaway_user(job_dir: Path, limits: Limits) -> None:
    """Root only: no network, a uid of its own that owns just the job folder, a process cap."""
    _unshare(_CLONE_NEWNET)
    uid = _UID_BASE + os.getpid()
    for path in [job_dir, *job_dir.rglob("*")]:
        os.lchown(path, uid, uid)
    _set_limit(resource.RLIMIT_NPROC, limits.processes)
    libc = _libc()
    if not PYTHON_READABLE:
        libc.prctl(_PR_SET_KEEPCAPS, 1, 0, 0, 0)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if not PYTHON_READABLE:
        _keep_only_read_search()
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)  # no setuid binary can give root back


def protections() -> dict[str, bool]:
    """What `confine` can apply on this machine as this user (for `kata doctor`)."""
    return {
        "new session, rlimits, private folder": True,
        "separate throwaway user": DROPS_PRIVILEGES,
        "process cap (fork/thread bombs)": DROPS_PRIVILEGES,
        "no network": CUTS_NETWORK,  # without root: only where unprivileged user namespaces are allowed
    }


def confine(job_dir: Path, limits: Limits, timeout: float) -> None:
    """Run in the child right after fork (or at spawned start-up), before learner code."""
    worker = os.getppid()
    if os.getpid() != os.getsid(0):
        os.setsid()
    mib = 1024 * 1024
    _set_limit(resource.RLIMIT_CORE, 0)
    _set_limit(resource.RLIMIT_FSIZE, limits.file_size_mb * mib)
    used = resource.getrusage(resource.RUSAGE_SELF)  # a spawned child already spent some on imports
    _set_limit(resource.RLIMIT_CPU, math.ceil(used.ru_utime + used.ru_stime + timeout * max(1, limits.threads)) + 2)
    if hasattr(resource, "RLIMIT_AS"):
        _set_limit(resource.RLIMIT_AS, limits.address_space_mb * mib)
    if DROPS_PRIVILEGES:
        _become_throwaway_user(job_dir, limits)
    elif sys.platform.startswith("linux"):
        _leave_network_unprivileged()
    home, tmp = str(job_dir / "home"), str(job_dir / "tmp")
    os.environ.update(HOME=home, TMPDIR=tmp, TMP=tmp, TEMP=tmp)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(limits.threads)
    tempfile.tempdir = tmp
    if sys.platform.startswith("linux"):
        # set after any uid change (which clears it): if the worker dies, so does this job
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != worker:
            os._exit(_ORPHANED)
    os.chdir(job_dir / "solution")
    import torch

    torch.set_num_threads(limits.threads)
