"""What a grading child does to itself before any learner code runs, and the limits it runs under.

The parent prepares a private folder per job (`prepare_job_dir`: a copy of the solution with its own
HOME and TMPDIR); the child then calls `confine` to start a new session (so the parent can kill the
whole process group), set rlimits (CPU seconds, file size, no core dumps, a generous address-space
cap), pin its thread count and move into the private copy. These are the protections any user can
apply to itself; running as another user and cutting the network need root and live elsewhere.
"""

from __future__ import annotations

import math
import os
import resource
import shutil
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


def confine(job_dir: Path, limits: Limits, timeout: float) -> None:
    """Run in the child right after fork (or at spawned start-up), before learner code."""
    if os.getpid() != os.getsid(0):
        os.setsid()
    mib = 1024 * 1024
    _set_limit(resource.RLIMIT_CORE, 0)
    _set_limit(resource.RLIMIT_FSIZE, limits.file_size_mb * mib)
    _set_limit(resource.RLIMIT_CPU, math.ceil(timeout * max(1, limits.threads)) + 2)
    if hasattr(resource, "RLIMIT_AS"):
        _set_limit(resource.RLIMIT_AS, limits.address_space_mb * mib)
    home, tmp = str(job_dir / "home"), str(job_dir / "tmp")
    os.environ.update(HOME=home, TMPDIR=tmp, TMP=tmp, TEMP=tmp)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(limits.threads)
    tempfile.tempdir = tmp
    os.chdir(job_dir / "solution")
    import torch

    torch.set_num_threads(limits.threads)
