"""Throwaway uids for grading jobs: one per job, never shared by two jobs that could overlap.

A uid is leased by taking an exclusive lock on a file named after it in a root-only folder, so two
`kata batch` processes on one machine (shards) never hand out the same uid at once. The folder is the
machine's, whatever TMPDIR each process was given (a Slurm job's own /tmp, a scratch disk): in
folders of their own, two batches leased the same uid and each killed the other's jobs. Within one
pool the next uid always comes from a counter, so a uid is not reused until the whole range has
gone round. Before a lease is handed out, any process still running as that uid (left over from a
crashed batch) is killed; after the job, the caller kills the uid's processes before `release`.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from grader import procs

FIRST_UID = 200_000
RANGE = 60_000


def machine_lock_dir() -> Path:
    """/run (left shared where /tmp is made private per job, as Slurm's job_container/tmpfs does),
    else /tmp; never TMPDIR, which differs between processes on the same machine."""
    run = Path("/run")
    base = run if run.is_dir() and os.access(run, os.W_OK) else Path("/tmp")
    return base / "torch-katas-uids"


class UidPool:
    def __init__(self, lock_dir: Path | None = None):
        self.lock_dir = lock_dir or machine_lock_dir()
        self.counter = int.from_bytes(os.urandom(2), "big") % RANGE  # shards on one machine start apart
        self.leases: dict[int, int] = {}

    def lease(self) -> int:
        self.lock_dir.mkdir(mode=0o700, exist_ok=True)
        for _ in range(RANGE):
            uid = FIRST_UID + self.counter
            self.counter = (self.counter + 1) % RANGE
            if uid in self.leases:
                continue
            fd = os.open(self.lock_dir / str(uid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            procs.JobProcesses(leader=-1, uid=uid).kill_all()  # leftovers from a batch that died
            self.leases[uid] = fd
            return uid
        raise RuntimeError("every throwaway uid is in use")

    def release(self, uid: int) -> None:
        fd = self.leases.pop(uid, None)
        if fd is not None:
            os.close(fd)  # closing drops the lock
