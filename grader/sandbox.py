"""What a grading child does to itself before any learner code runs, and the limits it runs under.

The parent prepares a private folder per job (`prepare_job_dir`: a copy of only the files the kata
names, with its own HOME and TMPDIR) and leases a throwaway uid for it (uids.py). The child then
calls `confine`: a new session (so the parent can kill the process group), rlimits (CPU seconds,
file size, open files, no core dumps; each soft and hard, so learner code cannot raise them back; no
address-space cap, which breaks CUDA and other accelerator runtimes),
one thread, an allow-listed environment in which `--device cpu` hides every accelerator (the one it
inherited is overwritten in memory, where /proc/self/environ would show it), and the
private copy as working folder. As root, the child also leaves the network (a fresh network
namespace) and becomes its throwaway uid, which owns only its job folder and has a process cap;
in a mount namespace of its own it gets a private /dev/shm and a passwd entry for that uid.
That uid keeps one capability, CAP_DAC_READ_SEARCH, to read the interpreter and a private pack's
checks where other users may not: only where Landlock confines its reads, or where the Python
install itself is unreadable to other users (e.g. under /root). Last, Landlock (where the kernel has it, root or not)
limits every file access to the job folder (read-write) and the Python install and the kata's data
(read-only), blocks TCP and blocks signals to processes outside the job; a seccomp filter refuses
namespaces of the job's own and sockets other than Unix and netlink ones (UDP too). A job's
processes are the kernel's first choice when memory runs out. Memory and disk are watched from the
parent, over all of the job's processes (procs.py).

`protections()` says which of these this machine really applies; every result records it.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import math
import os
import pwd
import site
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader import landlock

MAX_COPIED_BYTES = 50 * 1024 * 1024
DEFAULT_MEMORY_MB = 3072
MIN_MEMORY_MB = 256  # a forked job with torch loaded; below this the grader itself runs out, not the learner


@dataclass(frozen=True)
class Limits:
    """Resource limits for one grading job. `timeout=None` means the kata's own timeout."""

    timeout: float | None = None
    memory_mb: int = DEFAULT_MEMORY_MB  # all of the job's processes together (PSS); then status oom
    disk_mb: int = 512  # what the job may write in its folder; then status error
    file_size_mb: int = 64
    output_kb: int = 64  # learner output kept for diagnostics; the rest is read and dropped
    threads: int = 1
    # RLIMIT_NPROC for the throwaway user (root only), threads included: stops fork and thread bombs, and
    # leaves room for two DataLoaders with persistent workers (each worker and its queues take threads)
    processes: int = 64
    open_files: int = 1024  # per process (the usual default): bounds what pipes and other kernel objects
    # hold unseen, and what the zygote reads of a job's open files at each watch


@dataclass(frozen=True)
class JobDir:
    root: Path
    dropped: tuple[str, ...]  # files of the submission that were not copied (not named by the kata)

    @property
    def solution(self) -> Path:
        return self.root / "solution"


def is_submitted_file(path: Path) -> bool:
    """A regular file, not a link: the only kind a job copies (a link could point at anything)."""
    return path.is_file() and not path.is_symlink()


def files_that_count(solution_dir: Path, names: tuple[str, ...]) -> list[Path]:
    """The regular files a job grades: exactly those the kata names (no links, no bytecode), with
    `<kata-id>.ipynb` in place of the first where the learner works in the notebook (notebook.py)."""
    from grader import notebook

    counted = [solution_dir / name for name in names if is_submitted_file(solution_dir / name)]
    chosen = notebook.graded_notebook(solution_dir, names)
    return counted if chosen is None else [chosen, *(p for p in counted if p.name != names[0])]


def content_hash(folder: Path, names: tuple[str, ...]) -> str:
    """sha256 over exactly the files a grading job copies (names and bytes): one definition of
    "the files that count" (`files_that_count`) for the gradebook key and the job's inputs."""
    digest = hashlib.sha256()
    if not folder.is_dir():
        return digest.hexdigest()
    for path in files_that_count(folder, names):
        digest.update(os.fsencode(path.relative_to(folder).as_posix()) + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def prepare_job_dir(solution_dir: Path, names: tuple[str, ...]) -> JobDir:
    """A private folder: `solution/` (a copy of the kata's files only), `home/`, `tmp/`.

    Anything else in the submission (`__pycache__/`, `*.pyc`, `*.so`, extra modules) is left
    behind, so the code that runs is the source a reviewer reads."""
    from grader import notebook

    root = Path(tempfile.mkdtemp(prefix="kata-job-"))
    try:
        target = root / "solution"
        target.mkdir()
        copied = 0
        kept = files_that_count(solution_dir, names)
        for source in kept:
            if source.suffix == notebook.NOTEBOOK_SUFFIX:  # its tagged cells become the kata's first file
                copied += notebook.write_solution(source, target, names[0])
                continue
            copied += source.stat().st_size
            if copied > MAX_COPIED_BYTES:
                break
            destination = target / source.relative_to(solution_dir)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
        named = {*names, notebook.notebook_path(solution_dir).name}  # told apart elsewhere: missing, a link, ignored
        dropped = sorted(
            relative
            for relative, info in walk(solution_dir)
            if not stat.S_ISDIR(info.st_mode)
            and solution_dir / relative not in kept
            and relative not in named
            and not relative.startswith(".")
        )
        (root / "home").mkdir()
        (root / "tmp").mkdir()
    except BaseException:
        remove_job_dir(root)  # no half-made job folder outlives a submission that could not be copied
        raise
    return JobDir(root, tuple(dropped))


MAX_FOLDER_DEPTH = 64  # folders within folders in a job; a kata needs a handful


class FolderTooDeep(Exception):
    """Folders nested past MAX_FOLDER_DEPTH (or a path past the system's length limit)."""


def walk(root: Path, strict: bool = False, reopen: bool = False):
    """(path relative to `root` in POSIX form, lstat) for everything beneath `root`, without following
    links and without recursion: Python 3.11's os.walk, Path.rglob and shutil.rmtree recurse once per
    level and fail with RecursionError on a deep enough tree, which learner code can make in its own
    folder. Past MAX_FOLDER_DEPTH: with `strict`, FolderTooDeep; else those levels are left out. With
    `strict`, a folder that cannot be read is FolderClosed. With `reopen` (a finished job's folder,
    without root), a folder its code closed to its owner is opened again first."""
    if reopen:
        _reopen(root)
    pending = [("", 0)]
    while pending:
        relative, depth = pending.pop()
        try:
            entries = list(os.scandir(root / relative if relative else root))
        except OSError as exc:
            if strict and exc.errno == errno.ENAMETOOLONG:
                raise FolderTooDeep from None
            if strict and exc.errno == errno.EACCES:
                raise FolderClosed from None
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            path = f"{relative}/{entry.name}" if relative else entry.name
            yield path, info
            if stat.S_ISDIR(info.st_mode):
                if reopen:
                    _reopen(root / path)
                if depth + 1 < MAX_FOLDER_DEPTH:
                    pending.append((path, depth + 1))
                elif strict:
                    raise FolderTooDeep


class FolderClosed(Exception):
    """A folder of the job that the grader cannot read: without root, its code closed it (chmod 000)."""


def _reopen(folder: Path) -> None:
    """Owner rights back on a folder of a finished job, which its code may have closed (`chmod 000`):
    without root the grader is only that owner, and rm could not empty it. Never through a link: the
    folder is opened as itself (O_PATH, O_NOFOLLOW) and changed through that descriptor. Root needs
    none of this, and never changes modes in a job's folder."""
    if os.geteuid() == 0:
        return
    try:
        fd = os.open(folder, os.O_PATH | os.O_NOFOLLOW | os.O_DIRECTORY)
    except (OSError, AttributeError):
        return
    try:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if mode & 0o700 != 0o700:
            os.chmod(f"/proc/self/fd/{fd}", mode | 0o700)
    except OSError:
        pass
    finally:
        os.close(fd)


def folder_mb(root: Path) -> float:
    """Bytes allocated beneath `root` (what the job wrote), in MiB; FolderTooDeep past the depth limit.
    A folder the grader cannot read hides what it holds from this count: infinite, so the job stops
    (without root, where its code and the grader are the same user; the grader never changes a running
    job's folder, whose code could swap a folder for a link between a check and a change)."""
    try:
        return sum(info.st_blocks * 512 for _, info in walk(root, strict=True)) / (1024 * 1024)
    except FolderClosed:
        return math.inf


def remove_job_dir(root: Path) -> None:
    """Removed however deep it goes: rm walks with open folders, not recursion or whole paths."""
    if os.geteuid() != 0:
        for _ in walk(root, reopen=True):
            pass  # every folder open to its owner, so that rm can empty it without root (the job is over)
    rm = shutil.which("rm", path="/usr/bin:/bin")
    if rm is not None:
        subprocess.run([rm, "-rf", "--", str(root)], stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    if root.exists():
        try:
            shutil.rmtree(root, ignore_errors=True)
        except RecursionError:
            pass  # too deep for Python's own walk; the machine's temp cleaner gets it


def _set_limit(which: int, value: int) -> None:
    """Soft and hard limit both: a process may raise its soft limit up to the hard one, so a hard
    limit left higher would be the learner's to take."""
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError):
        pass  # a platform that refuses a limit keeps its default; the parent still kills on time


_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_CLONE_NEWNS = 0x00020000
_CLONE_NEWIPC = 0x08000000
_MS_NOSUID, _MS_NODEV, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x2, 0x4, 0x1000, 0x4000, 0x40000
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
LANDLOCK = landlock.enforceable(landlock.abi_version()) if sys.platform.startswith("linux") else set()
# The throwaway uid keeps CAP_DAC_READ_SEARCH to read what other users may not: a Python install
# under a private home, a private pack's checks and data. Under Landlock that reaches only the
# allowed paths; without Landlock it is kept only where Python itself is unreadable (it then reads
# any file, and `kata doctor` says so).
KEEPS_READ_SEARCH = not PYTHON_READABLE or landlock.FILES in LANDLOCK


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
    needed = {_CAP_CHOWN, _CAP_SETGID, _CAP_SETUID} | ({_CAP_DAC_READ_SEARCH} if KEEPS_READ_SEARCH else set())
    capabilities = _effective_capabilities()
    return all(capabilities >> bit & 1 for bit in needed)


DROPS_PRIVILEGES = _can_become_throwaway_user()
_CAP_SYS_ADMIN = 21
CUTS_NETWORK = DROPS_PRIVILEGES and bool(_effective_capabilities() >> _CAP_SYS_ADMIN & 1)  # unshare needs it


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _unshare(flags: int) -> bool:
    return _libc().unshare(flags) == 0


def _leave_network_unprivileged(size_mb: int) -> None:
    """Without root: a user namespace that maps only our own ids, an empty network namespace and an IPC
    namespace of the job's own."""
    uid, gid = os.getuid(), os.getgid()
    if not _unshare(_CLONE_NEWUSER | _CLONE_NEWNET | _CLONE_NEWIPC):
        return  # the kernel does not allow it here: the network stays reachable
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as file:
            file.write(text)
    _cap_system_v_shared_memory(size_mb)


def _cap_system_v_shared_memory(size_mb: int) -> None:
    """In the job's own IPC namespace: its System V segments die with it, and together they stay under
    the cap (a segment nobody maps shows in no process's memory). The kernel may refuse: then the cap is
    the machine's."""
    total = size_mb * 1024 * 1024
    for name, value in (("shmmax", total), ("shmall", total // os.sysconf("SC_PAGE_SIZE"))):
        try:
            with open(f"/proc/sys/kernel/{name}", "w") as file:
                file.write(str(value))
        except OSError:
            pass


def _private_mounts(job_dir: Path, size_mb: int, uid: int, gid: int) -> None:
    """A mount namespace of the job's own (needs CAP_SYS_ADMIN: root, or inside a user namespace)
    for a private /dev/shm and, where needed, a passwd entry. Without one, neither is made: a mount
    would change the whole machine's."""
    libc = _libc()
    if not _unshare(_CLONE_NEWNS) or libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return
    # DataLoader workers and semaphores need a /dev/shm; the machine's is shared by every job
    options = f"size={size_mb}m,mode=1777".encode()
    libc.mount(b"tmpfs", b"/dev/shm", b"tmpfs", _MS_NOSUID | _MS_NODEV, options)
    _name_the_user(job_dir, uid, gid)


def _name_the_user(job_dir: Path, uid: int, gid: int) -> None:
    """The job's own /etc/passwd and /etc/group, with an entry for a uid that has none (a throwaway
    uid never has one): code that calls pwd.getpwuid or expands ~user, as torch's caches and getpass
    may, then works. The copies are root's and read-only to the job."""
    try:
        pwd.getpwuid(uid)
        return
    except KeyError:
        pass
    name, folder = f"kata{uid}", job_dir / "etc"
    folder.mkdir(exist_ok=True)
    entries = {"passwd": f"{name}:x:{uid}:{gid}:kata job:{job_dir / 'home'}:/bin/sh\n", "group": f"{name}:x:{gid}:\n"}
    for file, entry in entries.items():
        system = Path("/etc") / file
        try:
            text = system.read_text(encoding="utf-8", errors="surrogateescape")
        except OSError:
            continue
        copy = folder / file
        copy.write_text(text + ("" if not text or text.endswith("\n") else "\n") + entry, errors="surrogateescape")
        copy.chmod(0o644)
        _libc().mount(str(copy).encode(), str(system).encode(), None, _MS_BIND, None)


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


def _become_throwaway_user(job_dir: Path, uid: int, limits: Limits) -> None:
    """Root only: no network, System V IPC of its own, the job's own uid that owns just the job folder,
    a process cap."""
    if _unshare(_CLONE_NEWNET | _CLONE_NEWIPC):
        _cap_system_v_shared_memory(limits.disk_mb)
    for path in [job_dir, *job_dir.rglob("*")]:
        os.lchown(path, uid, uid)
    _private_mounts(job_dir, limits.disk_mb, uid, uid)  # after the chown: the passwd copy stays root's
    _set_limit(resource.RLIMIT_NPROC, limits.processes)
    libc = _libc()
    if KEEPS_READ_SEARCH:
        libc.prctl(_PR_SET_KEEPCAPS, 1, 0, 0, 0)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if KEEPS_READ_SEARCH:
        _keep_only_read_search()
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)  # no setuid binary can give root back


PROCESS_TABLE = Path("/proc/self/status").exists()

# Accelerators a `--device cpu` job must not see, by the variable each runtime reads.
_HIDE_ACCELERATORS = {
    "CUDA_VISIBLE_DEVICES": "",  # NVIDIA CUDA
    "HIP_VISIBLE_DEVICES": "",  # AMD ROCm
    "ROCR_VISIBLE_DEVICES": "",
    "ZE_AFFINITY_MASK": "-1",  # Intel XPU (Level Zero): no such device
    "ONEAPI_DEVICE_SELECTOR": "opencl:cpu",
    "ASCEND_RT_VISIBLE_DEVICES": "",  # Huawei Ascend NPU
    "MLU_VISIBLE_DEVICES": "",  # Cambricon MLU
}
_KEPT_VARIABLES = (
    "PATH",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TERM",
    "LD_LIBRARY_PATH",
    "CUDA_HOME",
    "CUDA_PATH",
    "ROCM_PATH",
    "ASCEND_HOME_PATH",
    "NEUWARE_HOME",
    "PYTORCH_NVML_BASED_CUDA_CHECK",
    "PYTORCH_CUDA_ALLOC_CONF",
    "KATA_LANG",
    *_HIDE_ACCELERATORS,
)


def job_environment(
    parent: dict[str, str], job_dir: Path, device: str, uid: int | None, limits: Limits
) -> dict[str, str]:
    """An allow-list: nothing of the instructor's environment (tokens, keys) reaches learner code.

    Tools that ask for the user name or a cache folder (torch's compile caches call getpass) find
    them, although the throwaway uid has no passwd entry."""
    env = {name: value for name, value in parent.items() if name in _KEPT_VARIABLES or name.startswith("LC_")}
    home, tmp = str(job_dir / "home"), str(job_dir / "tmp")
    user = f"kata{uid}" if uid is not None else parent.get("USER") or parent.get("LOGNAME") or "kata"
    env.update(
        HOME=home,
        TMPDIR=tmp,
        TMP=tmp,
        TEMP=tmp,
        USER=user,
        LOGNAME=user,
        XDG_CACHE_HOME=str(job_dir / "home" / ".cache"),
        TORCHINDUCTOR_CACHE_DIR=str(job_dir / "tmp" / "inductor"),
        TRITON_CACHE_DIR=str(job_dir / "tmp" / "triton"),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONNOUSERSITE="1",
    )
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[name] = str(limits.threads)
    if device.split(":")[0] == "cpu":
        env.update(_HIDE_ACCELERATORS)
    return env


def readable_paths() -> list[Path]:
    """What a child may read besides its job folder: the interpreter, its libraries, the system."""
    paths = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        *sysconfig.get_paths().values(),
        *site.getsitepackages(),
        str(Path(sys.executable).resolve().parent.parent),
        str(Path(__file__).resolve().parent),
    }
    paths |= {entry for entry in sys.path if entry and os.path.isabs(entry) and entry != os.getcwd()}
    paths |= {"/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/sys"}
    paths |= {f"/etc/{name}" for name in _SYSTEM_FILES}
    return sorted(Path(p) for p in paths)


# What libraries read from /etc (never all of it: /etc/shadow is there).
_SYSTEM_FILES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "timezone",
    "passwd",
    "group",
    "nsswitch.conf",
    "hosts",
    "host.conf",
    "resolv.conf",
    "gai.conf",
    "protocols",
    "services",
    "mime.types",
    "os-release",
    "ssl",
    "ca-certificates",
    "alternatives",
    "fonts",
    "OpenCL",
    "vulkan",
)
# Device nodes a job may open: the harmless ones and the accelerators' (never disks or memory).
_DEVICE_NODES = (
    "null",
    "zero",
    "full",
    "random",
    "urandom",
    "shm",
    "nvidia*",
    "nvidia-caps",
    "dri",
    "kfd",
    "davinci*",
    "devmm_svm",
    "hisi_hdc",
    "cambricon*",
    "mlu*",
)


def writable_paths(job_dir: Path) -> list[Path]:
    """The job folder, the device nodes, and /proc: the CUDA driver fails to start (error 304) when it
    cannot write there. The kernel still checks each /proc write: a job may change only its own
    processes, and Landlock forbids tracing any process outside the job."""
    return [job_dir, Path("/proc"), *(node for pattern in _DEVICE_NODES for node in Path("/dev").glob(pattern))]


def protections() -> dict[str, bool]:
    """Which protections `confine` and the parent apply on this machine, as this user."""
    return {
        "separate process per job, all its processes killed afterwards": True,
        "memory and disk counted over all of the job's processes": PROCESS_TABLE,
        "data queued in the job's sockets counted in its memory": PROCESS_TABLE and CUTS_NETWORK,
        "throwaway user per job": DROPS_PRIVILEGES,
        "process cap (fork and thread bombs)": DROPS_PRIVILEGES,
        "no network": CUTS_NETWORK or _SECCOMP_ARCH is not None,
        "shared memory (/dev/shm, System V) private to the job and size-capped": CUTS_NETWORK,
        "no signals to other processes": DROPS_PRIVILEGES or landlock.SIGNALS in LANDLOCK,
        "reads and writes limited to the job folder and the Python install": landlock.FILES in LANDLOCK,
        "no namespaces of its own (which could hide sockets from the memory count)": _SECCOMP_ARCH is not None,
    }


def inactive_protections() -> list[str]:
    return [name for name, active in protections().items() if not active]


# --- no namespaces of its own: seccomp ------------------------------------------------------------
# A job that made a user namespace could make a network namespace in it, whose sockets the watch
# does not read (procs.SocketBuffers reads the job's own). A seccomp filter refuses namespace flags
# to unshare and clone, refuses setns, and makes clone3 (whose flags it cannot read) say ENOSYS, so
# the C library falls back to clone. It also refuses sockets of every family but Unix and netlink:
# Landlock refuses only TCP, and without a network namespace of the job's own (no root, and a kernel
# that refuses unprivileged user namespaces) UDP reached the grader's loopback and the world.
_LOCAL_SOCKET_FAMILIES = (socket.AF_UNIX, socket.AF_NETLINK)  # DataLoader workers, getaddrinfo
_NAMESPACE_FLAGS = 0x10000000 | 0x40000000 | 0x00020000 | 0x08000000 | 0x04000000 | 0x20000000 | 0x02000000
_SYSCALLS = {  # machine -> (audit arch, unshare, clone, clone3, setns, socket)
    "x86_64": (0xC000003E, 272, 56, 435, 308, 41),
    "aarch64": (0xC00000B7, 97, 220, 435, 268, 198),
}


def _kernel_has_seccomp() -> bool:
    try:
        with open("/proc/self/status") as status:
            return any(line.startswith("Seccomp:") for line in status)
    except OSError:
        return False


_SECCOMP_ARCH = _SYSCALLS.get(os.uname().machine) if _kernel_has_seccomp() else None
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000


def _no_new_namespaces() -> bool:
    """Install the filter (after NO_NEW_PRIVS, which lets an unprivileged process do so)."""
    if _SECCOMP_ARCH is None:
        return False
    arch, unshare, clone, clone3, setns, socket_call = _SECCOMP_ARCH
    unix, netlink = _LOCAL_SOCKET_FAMILIES
    ld_abs, jeq, jset, ret = 0x20, 0x15, 0x45, 0x06  # BPF_LD|W|ABS, JMP|JEQ|K, JMP|JSET|K, RET|K
    refuse, missing = _RET_ERRNO | errno.EPERM, _RET_ERRNO | errno.ENOSYS
    program = [
        (ld_abs, 0, 0, 4),  # seccomp_data.arch
        (jeq, 1, 0, arch),
        (ret, 0, 0, refuse),  # another ABI (x32, a compat one): nothing this filter can read
        (ld_abs, 0, 0, 0),  # seccomp_data.nr
        (jeq, 0, 1, clone3),
        (ret, 0, 0, missing),
        (jeq, 0, 1, setns),
        (ret, 0, 0, refuse),
        (jeq, 0, 5, socket_call),
        (ld_abs, 0, 0, 16),  # the low half of args[0]: the socket's family
        (jeq, 2, 0, unix),
        (jeq, 1, 0, netlink),
        (ret, 0, 0, refuse),
        (ret, 0, 0, _RET_ALLOW),
        (jeq, 1, 0, unshare),
        (jeq, 0, 3, clone),
        (ld_abs, 0, 0, 16),  # the low half of args[0]: the flags of unshare and clone
        (jset, 0, 1, _NAMESPACE_FLAGS),
        (ret, 0, 0, refuse),
        (ret, 0, 0, _RET_ALLOW),
    ]
    if os.uname().machine == "x86_64":  # x32 system calls share the arch value: refuse them
        program[3:3] = [(ld_abs, 0, 0, 0), (0x35, 0, 1, 0x40000000), (ret, 0, 0, refuse)]  # JMP|JGE|K

    class Filter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]

    filters = (Filter * len(program))(*(Filter(*instruction) for instruction in program))
    libc = _libc()
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(Program(len(program), filters)), 0, 0) == 0


def _first_to_go_when_memory_runs_out() -> None:
    """If the machine runs out of memory before the watch stops a job (memory it cannot see, or
    faster than it looks), the kernel kills a job's process, never the `kata` process or the zygote
    that grade everyone. Only raised, never lowered: the job cannot take it back."""
    try:
        with open("/proc/self/oom_score_adj", "w") as file:
            file.write("1000")
    except OSError:
        pass  # no such file outside Linux


def _kept_environment() -> dict[str, str]:
    """The variables job_environment may keep, read without copying the others' values."""
    return {
        name: os.environ[name]
        for name in list(os.environ)
        if name in _KEPT_VARIABLES or name.startswith("LC_") or name in ("USER", "LOGNAME")
    }


def _replace_environment(environment: dict[str, str]) -> None:
    """os.environ becomes `environment`, and the one this process was started with (the instructor's
    shell: API tokens, KATA_SEED) is overwritten in memory: clearing os.environ leaves it whole in the
    process's first stack block, which /proc/self/environ shows, and in os.environ's own bytes values."""
    # bytes on POSIX; b"" and single bytes are shared objects, never overwritten
    inherited = [value for value in os.environ._data.values() if isinstance(value, bytes) and len(value) > 1]
    os.environ.clear()
    os.environ.update(environment)
    for value in inherited:  # no longer referenced by the environment; dropped right after
        ctypes.memset(ctypes.cast(ctypes.c_char_p(value), ctypes.c_void_p), 0, len(value))
    del inherited
    try:
        with open("/proc/self/stat", "rb") as stat_file:
            fields = stat_file.read().rsplit(b")", 1)[1].split()
        start, end = int(fields[47]), int(fields[48])  # env_start and env_end, fields 50 and 51
    except (OSError, IndexError, ValueError):
        return  # no such figures (not Linux): nothing shows the old block
    if 0 < start < end:
        ctypes.memset(start, 0, end - start)


class ConfinementFailed(RuntimeError):
    """A protection this machine offers could not be applied: never grade without it."""


def confine(
    job_dir: Path, limits: Limits, timeout: float, device: str, uid: int | None, readable: tuple[Path, ...] = ()
) -> None:
    """Run in the child right after fork (or at spawned start-up), before learner code."""
    worker = os.getppid()
    if os.getpid() != os.getsid(0):
        os.setsid()
    mib = 1024 * 1024
    _set_limit(resource.RLIMIT_CORE, 0)
    _set_limit(resource.RLIMIT_FSIZE, limits.file_size_mb * mib)
    _set_limit(resource.RLIMIT_NOFILE, limits.open_files)
    used = resource.getrusage(resource.RUSAGE_SELF)  # a spawned child already spent some on imports
    _set_limit(resource.RLIMIT_CPU, math.ceil(used.ru_utime + used.ru_stime + timeout * max(1, limits.threads)) + 2)
    environment = job_environment(_kept_environment(), job_dir, device, uid if DROPS_PRIVILEGES else None, limits)
    _first_to_go_when_memory_runs_out()  # before the uid changes: then /proc/self is root's
    if DROPS_PRIVILEGES and uid is not None:
        _become_throwaway_user(job_dir, uid, limits)
    elif sys.platform.startswith("linux"):
        _leave_network_unprivileged(limits.disk_mb)
        _private_mounts(job_dir, limits.disk_mb, os.getuid(), os.getgid())
    _replace_environment(environment)
    tempfile.tempdir = environment["TMPDIR"]
    if sys.platform.startswith("linux"):
        # set after any uid change (which clears it): if the worker dies, so does this job
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != worker:
            os._exit(_ORPHANED)
    os.chdir(job_dir / "solution")
    if LANDLOCK:
        enforced = landlock.restrict([*readable_paths(), *readable], writable_paths(job_dir))
        if enforced != LANDLOCK:
            raise ConfinementFailed(f"Landlock applied {sorted(enforced)} of {sorted(LANDLOCK)}")
    if _SECCOMP_ARCH is not None and not _no_new_namespaces():
        raise ConfinementFailed("the seccomp filter against new namespaces was refused")
    import torch

    torch.set_num_threads(limits.threads)
