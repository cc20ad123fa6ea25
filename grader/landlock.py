"""Landlock (Linux 5.13+): the grading child restricts itself to the files it needs, without root.

After `restrict()`, the calling process and everything it starts can read (and execute) only the
read-only paths, write only beneath the read-write paths, and, where the kernel's Landlock ABI allows
it, neither open TCP connections (ABI 4) nor signal processes outside its own sandbox (ABI 6). The
rules hold for root and for capabilities such as CAP_DAC_READ_SEARCH alike. Nothing here can be undone
by the process. Where the kernel has no Landlock, `restrict()` returns an empty set and the caller
reports the protection as not active.

ioctl on device files (ABI 5) is deliberately not restricted: accelerator runtimes drive their device
nodes through ioctl.
"""

from __future__ import annotations

import ctypes
import os
import platform
from pathlib import Path

_SYSCALLS = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1

_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_ALL_V1 = (1 << 13) - 1  # execute ... make_sym
_REFER, _TRUNCATE = 1 << 13, 1 << 14
_FILE_ONLY = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE  # what a rule on a non-directory may grant
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1

READ_ONLY = _EXECUTE | _READ_FILE | _READ_DIR

# Names of what `restrict` can enforce; the caller reports each as active or not.
FILES = "file access limited to the job folder and the Python install"
NETWORK = "no TCP connections"
SIGNALS = "no signals to processes outside the job"


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _syscalls() -> tuple[int, int, int] | None:
    if not platform.system() == "Linux":
        return None
    return _SYSCALLS.get(platform.machine())


def abi_version() -> int:
    """The kernel's Landlock ABI version, 0 where there is none."""
    numbers = _syscalls()
    if numbers is None:
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    version = libc.syscall(numbers[0], None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(0, int(version))


def enforceable(abi: int) -> set[str]:
    """What `restrict` would enforce on a kernel with this ABI."""
    features = set()
    if abi >= 1:
        features.add(FILES)
    if abi >= 4:
        features.add(NETWORK)
    if abi >= 6:
        features.add(SIGNALS)
    return features


def restrict(read_only: list[Path], read_write: list[Path]) -> set[str]:
    """Confine this process for good; returns what is now enforced (empty: Landlock unavailable)."""
    numbers = _syscalls()
    abi = abi_version()
    if numbers is None or abi < 1:
        return set()
    create, add_rule, restrict_self = numbers
    libc = ctypes.CDLL(None, use_errno=True)
    handled_fs = _ALL_V1 | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0)
    attr = _RulesetAttr(
        handled_fs,
        _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0,
        _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= 6 else 0,
    )
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = libc.syscall(create, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return set()
    try:
        for paths, access in ((read_only, READ_ONLY), (read_write, handled_fs)):
            for path in paths:
                _allow(libc, add_rule, ruleset, path, access)
        libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS: required by landlock_restrict_self
        if libc.syscall(restrict_self, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            return set()
    finally:
        os.close(ruleset)
    return enforceable(abi)


def _allow(libc: ctypes.CDLL, add_rule: int, ruleset: int, path: Path, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a path that does not exist needs no rule
    try:
        if not os.path.isdir(path):
            access &= _FILE_ONLY
        rule = _PathBeneathAttr(access, fd)
        libc.syscall(
            add_rule, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(rule), ctypes.c_uint32(0)
        )
    finally:
        os.close(fd)
