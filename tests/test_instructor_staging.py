"""Where `kata batch` extracts the class's zips: one folder per zip whatever the learner ids' case, and
no staging folder left for long by a batch killed with `kill -9`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from grader import submissions


def _zip(path: Path, text: str) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tensors/tensors.py", text)


def test_learner_ids_that_differ_only_in_case_never_share_a_staging_folder(tmp_path):
    # on a case-insensitive disk (macOS, Windows) a folder named by the learner id would be shared, and
    # both learners graded on the last one's files
    classroom, staging = tmp_path / "class", tmp_path / "staging"
    classroom.mkdir()
    staging.mkdir()
    _zip(classroom / "Alice.zip", "# Alice's work\n")
    _zip(classroom / "alice.zip", "# alice's work\n")
    found, skipped = submissions.find(classroom, ["tensors"], staging)
    assert not skipped
    roots = {s.learner: s.root for s in found}
    assert len({str(root).casefold() for root in roots.values()}) == 2
    assert (roots["Alice"] / "tensors" / "tensors.py").read_text() == "# Alice's work\n"
    assert (roots["alice"] / "tensors" / "tensors.py").read_text() == "# alice's work\n"


def test_a_rejected_zip_is_removed_from_staging_at_once(tmp_path):
    classroom, staging = tmp_path / "class", tmp_path / "staging"
    classroom.mkdir()
    staging.mkdir()
    with zipfile.ZipFile(classroom / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("tensors/tensors.py", "x = 1\n")
        archive.writestr("tensors/big.bin", b"\0" * (submissions.MAX_UNZIPPED_BYTES + 1))
    found, skipped = submissions.find(classroom, ["tensors"], staging)
    assert not found and [s.entry for s in skipped] == ["bomb.zip"]
    assert list(staging.iterdir()) == []


_KILLED_BATCH = """
import os, signal, sys
from pathlib import Path
from grader import submissions
with submissions.staging_folder(Path(sys.argv[1])) as folder:
    (folder / "zip-0").mkdir()
    print(folder, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_later_batch_removes_the_staging_folder_of_a_killed_one(tmp_path):
    killed = subprocess.run([sys.executable, "-c", _KILLED_BATCH, str(tmp_path)], capture_output=True, text=True)
    assert killed.returncode == -9
    left = Path(killed.stdout.strip())
    assert left.is_dir()  # what kill -9 leaves
    with submissions.staging_folder(tmp_path) as mine:
        assert not left.exists()
        assert mine.is_dir()
    assert not mine.exists()


def test_a_running_batch_keeps_its_staging_folder(tmp_path):
    with submissions.staging_folder(tmp_path) as first:
        with submissions.staging_folder(tmp_path) as second:
            assert first.is_dir() and second.is_dir()  # one batch never removes another's
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(0.2)  # /proc knows its start time
        other = tmp_path / f"{submissions.STAGING_PREFIX}other"
        other.mkdir()
        (other / "owner").write_text(submissions._process_identity(sleeper.pid))
        reused = tmp_path / f"{submissions.STAGING_PREFIX}reused"
        reused.mkdir()  # the owner's pid now belongs to another process: a different start time
        (reused / "owner").write_text(f"{socket.gethostname()} {sleeper.pid} 1")
        elsewhere = tmp_path / f"{submissions.STAGING_PREFIX}elsewhere"
        elsewhere.mkdir()  # a batch on another machine sharing the folder: its pid means nothing here
        (elsewhere / "owner").write_text(f"other-{socket.gethostname()} {2**22 + 1} 1")
        assert submissions.remove_stale_staging(tmp_path) == [reused] or not Path("/proc/self/stat").exists()
        assert other.is_dir() and elsewhere.is_dir()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_staging_folder_without_an_owner_is_removed_only_once_a_day_old(tmp_path):
    fresh = tmp_path / f"{submissions.STAGING_PREFIX}fresh"
    old = tmp_path / f"{submissions.STAGING_PREFIX}old"
    unrelated = tmp_path / "kata-grade-old"
    for folder in (fresh, old, unrelated):
        folder.mkdir()
    day_ago = time.time() - 25 * 3600
    for folder in (old, unrelated):
        os.utime(folder, (day_ago, day_ago))
    assert submissions.remove_stale_staging(tmp_path) == [old]
    assert fresh.is_dir() and unrelated.is_dir()


_TERMINATED_BATCH = """
import os, signal, sys, time
from pathlib import Path
from grader import batch, submissions
try:
    with batch._terminate_as_interrupt(), submissions.staging_folder(Path(sys.argv[1])) as folder:
        print(folder, flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)
except KeyboardInterrupt:
    sys.exit(130)
"""


def test_sigterm_stops_a_batch_as_ctrl_c_does(tmp_path):
    # scancel, a Slurm time limit or a pod's eviction send SIGTERM: Python's default ended the process
    # on the spot, leaving the learners' extracted zips in TMPDIR
    stopped = subprocess.run(
        [sys.executable, "-c", _TERMINATED_BATCH, str(tmp_path)], capture_output=True, text=True, timeout=20
    )
    assert stopped.returncode == 130, stopped.stderr
    assert not Path(stopped.stdout.strip()).exists()


def _damaged(path: Path, how: str) -> None:
    """A zip with a password (its members flagged encrypted) or with damaged compressed data."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("tensors/tensors.py", "x = 1\n" * 1000)
    data = bytearray(buffer.getvalue())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    if how == "password":
        data[local + 6] |= 1
        data[central + 8] |= 1
    else:
        start = local + 30 + len("tensors/tensors.py")
        for offset in range(start, start + 20):
            data[offset] ^= 0x5A
    path.write_bytes(bytes(data))


def test_a_zip_with_a_password_or_damaged_data_is_skipped_not_a_crash(tmp_path):
    # zipfile raises RuntimeError (a password) and zlib.error (damaged data): both stopped the whole
    # class's batch with a traceback
    classroom, staging = tmp_path / "class", tmp_path / "staging"
    (classroom / "alice" / "tensors").mkdir(parents=True)
    staging.mkdir()
    _damaged(classroom / "locked.zip", "password")
    _damaged(classroom / "broken.zip", "data")
    found, skipped = submissions.find(classroom, ["tensors"], staging)
    assert [s.learner for s in found] == ["alice"]
    reasons = {s.entry: s.reason for s in skipped}
    assert (
        reasons["locked.zip"]
        == "zip member 'tensors/tensors.py' is password-protected: ask for a zip without a password"
    )
    assert reasons["broken.zip"].startswith("not a readable zip")


def test_a_learner_folder_that_cannot_be_read_is_skipped_not_a_crash(tmp_path, monkeypatch):
    # e.g. a folder copied with other owners' permissions: iterdir raises PermissionError
    classroom = tmp_path / "class"
    for learner in ("alice", "bob"):
        (classroom / learner / "tensors").mkdir(parents=True)
    real = submissions.kata_root

    def unreadable(folder: Path, kata_ids: list[str]):
        if folder.name == "bob":
            raise PermissionError(13, "Permission denied", str(folder))
        return real(folder, kata_ids)

    monkeypatch.setattr(submissions, "kata_root", unreadable)
    found, skipped = submissions.find(classroom, ["tensors"], tmp_path)
    assert [s.learner for s in found] == ["alice"]
    assert skipped == [submissions.Skipped("bob", "could not be read (Permission denied)")]


def test_stale_staging_of_one_kind_is_all_a_run_removes(tmp_path):
    # kata import and the exports stage in folders of their own prefix: a killed one is removed by
    # the next run of the same kind, and never a folder of another kind
    killed = subprocess.run([sys.executable, "-c", _KILLED_BATCH, str(tmp_path)], capture_output=True, text=True)
    batch_left = Path(killed.stdout.strip())
    export_left = tmp_path / ".kata-export-left"
    export_left.mkdir()
    (export_left / "owner").write_text(batch_left.joinpath("owner").read_text())  # the same dead process
    with submissions.staging_folder(tmp_path, prefix=".kata-export-"):
        assert not export_left.exists() and batch_left.is_dir()
