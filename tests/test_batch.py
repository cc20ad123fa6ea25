"""`kata batch` over a generated class: clean learners, adversarial learners, shards, resume.

Every batch runs as its own `python -m grader` process (as an instructor would run it), over a
private copy of the `tensors` kata so that the tests stay fast and independent of other katas.
The promise under test: an adversarial submission scores 0 on its kata with a clear status, and
every other learner's grades are exactly those of a clean run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from grader import batch
from grader.batch import Shard, resolve_shard, shard_of
from grader.exports import MAX_ROW
from grader.errors import KataError
from grader import landlock
from grader.results import TIMEOUT as TIMEOUT_STATUS
from grader.results import KataResult
from grader.sandbox import CUTS_NETWORK, DROPS_PRIVILEGES, LANDLOCK

REPO = Path(__file__).resolve().parents[1]
ADVERSARIAL = Path(__file__).resolve().parent / "adversarial"
TIMEOUT = "10"  # the attacks that must end as timeouts wait this long; less made slow ones flaky on a busy machine
ROOT = DROPS_PRIVILEGES  # root with the capabilities to run learner code as a throwaway user

# adversarial file -> the status its kata must end with (0 points in every case)
EXPECTED = {
    "exit_os": "crashed",
    "kill9": "crashed",
    "exit_sys": "error",
    "pytest_skip": "error",
    "fake_output": "error",  # its lines reach the results channel too: a malformed result
    "fake_files": "failed",
    "tamper_torch": "failed",  # its patched comparisons run in its own process, never the judge's
    "tamper_builtins": "crashed",  # the broken builtins take the grading machinery down with them
    "loop_import": "timeout",
    "loop_function": "timeout",
    "timer_reset": "timeout",
    "native_hang": "timeout",
    "memory_bomb": "oom",
    "output_flood": "failed",
    "network": "failed",
    "syntax_error": "error",
    "latin1": "error",
    "empty": "failed",
    "stray_process": "failed",
    "leak_environment": "error",
    "memory_children": "oom",
    "stdin_terminal": "failed",
    "skip_in_checks": "failed",
    "malformed_messages": "failed",
    "malformed_record": "error",
}
if ROOT:  # without root nothing caps processes or guards the instructor's files: see INSTRUCTOR.md
    EXPECTED.update(fork_bomb="timeout", thread_bomb="error", escape_files="failed")
if ROOT or landlock.SIGNALS in LANDLOCK:  # else kill(-1) would reach every process of this user
    EXPECTED.update(uid_squatter="crashed")
if landlock.FILES in LANDLOCK:  # else a classmate's world-readable file and /tmp are open to it
    EXPECTED.update(read_classmate="failed", fill_disk="error")
SECRET = "instructor-secret-4f1c"
PARTIAL = ("cat_wrong_dim", "float64_from_numpy")  # known mistakes that cost exactly one check each

UNSAFE_ZIPS = {
    "zip-slip": "outside the folder",
    "zip-absolute": "absolute path",
    "zip-symlink": "symbolic link",
    "zip-bomb": "more than",
}


def _kata_pack(tmp: Path) -> Path:
    shutil.copytree(REPO / "katas" / "01-tensors", tmp / "pack" / "katas" / "01-tensors")
    shutil.copytree(REPO / "reference" / "01-tensors", tmp / "pack" / "reference" / "01-tensors")
    return tmp / "pack" / "katas"


def _learner(root: Path, name: str, text: bytes) -> None:
    folder = root / name / "tensors"
    folder.mkdir(parents=True)
    (folder / "tensors.py").write_bytes(text)


def _clean_class(root: Path) -> None:
    reference = (REPO / "reference/01-tensors/tensors.py").read_bytes()
    stub = (REPO / "katas/01-tensors/stub/tensors.py").read_bytes()
    for i in range(3):
        _learner(root, f"ref-{i}", reference)
    _learner(root, "stub-0", stub)
    for mistake in (REPO / "katas/01-tensors/mistakes" / f"{name}.py" for name in PARTIAL):
        _learner(root, f"partial-{mistake.stem}", reference + b"\n\n" + mistake.read_bytes())
    (root / "no-tensors").mkdir()
    (root / "no-tensors" / "autograd").mkdir()  # only katas this batch does not grade: skipped
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:  # a zipped workspace with one top folder
        zf.writestr("workspace/tensors/tensors.py", reference)
    (root / "zipped.zip").write_bytes(buffer.getvalue())
    (root / "notes.txt").write_text("not a submission")
    (root / "empty").mkdir()


def _unsafe_zips(root: Path) -> None:
    reference = (REPO / "reference/01-tensors/tensors.py").read_bytes()
    entries = {
        "zip-slip": [("tensors/tensors.py", reference), ("../../escaped.py", b"x = 1")],
        "zip-absolute": [("tensors/tensors.py", reference), ("/tmp/kata-absolute.py", b"x = 1")],
        "zip-bomb": [("tensors/tensors.py", reference), ("tensors/bomb.bin", b"\0" * (60 * 1024 * 1024))],
    }
    for name, members in entries.items():
        with zipfile.ZipFile(root / f"{name}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            for member, data in members:
                zf.writestr(zipfile.ZipInfo(member), data, zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(root / "zip-symlink.zip", "w") as zf:
        zf.writestr("tensors/tensors.py", reference)
        link = zipfile.ZipInfo("tensors/secret.py")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/shadow")


def _batch_command(katas: Path, submissions: Path, out: Path, *args: str, timeout: str = TIMEOUT) -> list[str]:
    """`kata batch` of `submissions` into `out`, per-kata `timeout`, then `args`."""
    return [
        *(sys.executable, "-m", "grader", "batch", str(submissions), "-o", str(out)),
        *("--katas", str(katas), "--timeout", timeout, *args),
    ]


def _batch(
    katas: Path, submissions: Path, out: Path, *args: str, timeout: str = TIMEOUT
) -> subprocess.CompletedProcess:
    command = _batch_command(katas, submissions, out, "--memory", "512", *args, timeout=timeout)
    environment = {**os.environ, "INSTRUCTOR_TOKEN": SECRET}
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=environment)


def _rows(path: Path) -> dict[str, list[str]]:
    with open(path, newline="", encoding="utf-8") as file:
        return {row[0]: row for row in list(csv.reader(file))[1:]}


def _kata_status(cell: str) -> str:
    """The status of the one kata graded, from grades.csv's status cell (`incomplete; tensors: timeout`)."""
    progress, *problems = cell.split("; ")
    assert progress in ("incomplete", "not started"), cell
    stopped = [p.split(": ")[1] for p in problems if p.startswith("tensors: ")]
    return stopped[0] if stopped else "failed"


def _check_rows(path: Path) -> dict[tuple[str, str], list[str]]:
    with open(path, newline="", encoding="utf-8") as file:
        return {(row[0], row[2]): row for row in list(csv.reader(file))[1:]}


def _bytecode_beside_stub(folder: Path) -> None:
    """A harmless-looking stub whose __pycache__ holds the reference compiled: the source must win."""
    import py_compile

    (folder / "tensors").mkdir(parents=True)
    (folder / "tensors" / "tensors.py").write_bytes((REPO / "katas/01-tensors/stub/tensors.py").read_bytes())
    cache = folder / "tensors" / "__pycache__" / f"tensors.{sys.implementation.cache_tag}.pyc"
    cache.parent.mkdir()
    py_compile.compile(str(REPO / "reference/01-tensors/tensors.py"), cfile=str(cache))


def _tree_digest(*roots: Path) -> dict[Path, str]:
    return {
        p: hashlib.sha256(p.read_bytes()).hexdigest() for root in roots for p in sorted(root.rglob("*")) if p.is_file()
    }


def _digest(paths: list[Path]) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The clean class graded once with 2 workers: the reference every other run must equal."""
    tmp = tmp_path_factory.mktemp("clean")
    katas = _kata_pack(tmp)
    submissions = tmp / "class"
    _clean_class(submissions)
    run = _batch(katas, submissions, tmp / "out", "--workers", "2")
    assert run.returncode == 0, run.stderr
    return katas, submissions, tmp / "out"


@pytest.mark.slow
def test_clean_class_grades(clean):
    _, _, out = clean
    grades = _rows(out / "grades.csv")
    full = grades.pop(MAX_ROW)[1]
    assert sorted(grades) == [
        "partial-cat_wrong_dim",
        "partial-float64_from_numpy",
        "ref-0",
        "ref-1",
        "ref-2",
        "stub-0",
        "zipped",
    ]
    assert grades["ref-0"][1:] == [full, full, full, "complete"]
    assert grades["zipped"][1:] == [full, full, full, "complete"]
    assert grades["stub-0"][1:] == ["0", "0", full, "not started; tensors: not-started"]
    assert float(grades["partial-cat_wrong_dim"][1]) < float(full)
    assert grades["partial-cat_wrong_dim"][-1] == "incomplete"
    skipped = (out / "skipped.csv").read_text()
    assert "notes.txt" in skipped and "empty" in skipped and "no-tensors" in skipped
    for name in (
        "checks.csv",
        "grades.json",
        "junit.xml",
        "report.html",
        "feedback/ref-0.md",
        "prairielearn_scores.csv",
        "shard.json",
    ):
        assert (out / name).is_file(), name
    assert "<svg" in (out / "report.html").read_text() and "http" not in (out / "report.html").read_text()


@pytest.mark.slow
def test_adversarial_class(clean, tmp_path):
    """Each attack scores 0 with its status; everyone else's grades equal the clean run's."""
    katas, clean_submissions, clean_out = clean
    submissions = tmp_path / "class"
    shutil.copytree(clean_submissions, submissions)
    out = tmp_path / "out"
    out.mkdir()
    (out / "gradebook.sqlite").touch()  # exists before the batch, so the attack can aim at it
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    guarded = [
        REPO / "grader" / "__init__.py",
        REPO / "grader" / "runner.py",
        submissions / "ref-0" / "tensors" / "tensors.py",
    ]
    for case in EXPECTED:
        text = (ADVERSARIAL / f"{case}.py").read_bytes()
        text = text.replace(b"PORT = 0", f"PORT = {listener.getsockname()[1]}".encode())
        text = text.replace(b"TARGETS: list[str] = []", f"TARGETS = {[str(p) for p in guarded]!r}".encode())
        classmate = submissions / "ref-0" / "tensors" / "tensors.py"
        text = text.replace(b"CLASSMATES: list[str] = []", f"CLASSMATES = {[str(classmate)]!r}".encode())
        _learner(submissions, f"adv-{case}", text)
    _bytecode_beside_stub(submissions / "adv-bytecode")
    (submissions / "adv-latin1" / "tensors" / "caf\udce9.py").write_bytes(b"x = 1\n")  # non-UTF-8 file name
    _learner(submissions, os.fsdecode(b"adv-name-\xff"), b"")
    _unsafe_zips(submissions)
    before = _digest(guarded)
    everything_before = _tree_digest(submissions, katas.parent)
    try:
        run = _batch(katas, submissions, out, "--workers", "2", "--disk", "48")
        assert run.returncode == 0, run.stderr
        assert "built-in katas are public" not in run.stderr  # a private pack
        if CUTS_NETWORK:
            with pytest.raises(BlockingIOError):
                listener.accept()  # nothing reached the grader's loopback
    finally:
        listener.close()
        for leftover in Path("/tmp").glob("kata-adversarial-*"):
            leftover.unlink()
    grades, checks = _rows(out / "grades.csv"), _check_rows(out / "checks.csv")
    got = {
        case: (grades[f"adv-{case}"][1], _kata_status(grades[f"adv-{case}"][-1])) for case in [*EXPECTED, "bytecode"]
    }
    # the stub with the reference's bytecode beside it: only the stub counts, so it is not started
    want = {case: ("0", status) for case, status in {**EXPECTED, "bytecode": "not-started"}.items()}
    assert got == want
    assert _tree_digest(submissions, katas.parent) == everything_before  # nothing outside the job folders changed
    for exported in out.rglob("*"):
        if exported.is_file() and exported.suffix != ".sqlite":
            assert SECRET not in exported.read_text(encoding="utf-8", errors="replace"), exported
    clean_grades, clean_checks = _rows(clean_out / "grades.csv"), _check_rows(clean_out / "checks.csv")
    assert {k: v for k, v in grades.items() if not k.startswith("adv-")} == clean_grades
    assert {k: v for k, v in checks.items() if not k[0].startswith("adv-")} == clean_checks
    skipped = (out / "skipped.csv").read_text(encoding="utf-8")
    for name, reason in UNSAFE_ZIPS.items():
        assert f"{name}.zip" in skipped and reason in skipped, name
    assert "not valid UTF-8" in skipped
    assert not (tmp_path / "escaped.py").exists() and not Path("/tmp/kata-absolute.py").exists()
    if ROOT:
        assert _digest(guarded) == before


@pytest.mark.slow
def test_workers_1_equals_workers_2(clean, tmp_path):
    katas, submissions, clean_out = clean
    run = _batch(katas, submissions, tmp_path / "out", "--workers", "1")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "grades.csv").read_bytes() == (clean_out / "grades.csv").read_bytes()
    assert (tmp_path / "out" / "checks.csv").read_bytes() == (clean_out / "checks.csv").read_bytes()


@pytest.mark.slow
def test_three_shards_merged_equal_single_run(clean, tmp_path):
    katas, submissions, clean_out = clean
    outs = [tmp_path / f"shard-{i}" for i in range(3)]
    command = [
        sys.executable,
        "-m",
        "grader",
        "batch",
        str(submissions),
        "--katas",
        str(katas),
        "--timeout",
        TIMEOUT,
        "--workers",
        "1",
    ]
    shards = [
        subprocess.Popen([*command, "-o", str(o), "--shard", f"{i}/3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for i, o in enumerate(outs)
    ]
    for shard in shards:
        assert shard.wait(timeout=600) == 0, shard.stderr.read()
    merge = [sys.executable, "-m", "grader", "merge", "--katas", str(katas), "-o", str(tmp_path / "merged")]
    gap = subprocess.run([*merge, str(outs[0]), str(outs[1])], capture_output=True, text=True)
    assert gap.returncode == 2 and "gap: shard 2/3 missing" in gap.stderr
    overlap = subprocess.run([*merge, *map(str, outs), str(outs[0])], capture_output=True, text=True)
    assert overlap.returncode == 2 and "overlap" in overlap.stderr
    done = subprocess.run([*merge, *map(str, outs)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for name in ("grades.csv", "checks.csv", "skipped.csv"):
        assert (tmp_path / "merged" / name).read_bytes() == (clean_out / name).read_bytes(), name
    excel = subprocess.run([*merge, *map(str, outs), "--excel"], capture_output=True, text=True)
    assert excel.returncode == 0, excel.stderr
    grades = (tmp_path / "merged" / "grades.csv").read_bytes()
    assert grades == b"\xef\xbb\xbf" + (clean_out / "grades.csv").read_bytes()  # a byte order mark for Excel


@pytest.mark.slow
def test_killed_batch_resumes(clean, tmp_path):
    """kill -9 while grading; the rerun keeps what was committed and grades only the rest."""
    katas, clean_submissions, clean_out = clean
    submissions = tmp_path / "class"
    shutil.copytree(clean_submissions, submissions)
    _learner(submissions, "zz-slow", (ADVERSARIAL / "spin_on_one_cpu.py").read_bytes())  # sorted last
    out = tmp_path / "out"
    command = _batch_command(katas, submissions, out, "--workers", "1")
    victim = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    database = out / "gradebook.sqlite"
    committed = 0
    while victim.poll() is None and committed < 3:
        time.sleep(0.2)
        if database.exists():
            try:
                with sqlite3.connect(database) as db:
                    committed = db.execute("SELECT count(*) FROM results").fetchone()[0]
            except sqlite3.OperationalError:
                pass  # the table is not there yet
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert committed >= 3, "the batch finished before it could be killed"
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    reused = int(rerun.stdout.split(" unchanged")[0].rsplit(", ", 1)[1])
    assert reused >= committed
    with sqlite3.connect(database) as db:  # every learner of the clean class, and zz-slow
        assert db.execute("SELECT count(*) FROM results").fetchone()[0] == len(_rows(clean_out / "grades.csv"))
    grades = _rows(out / "grades.csv")
    assert grades.pop("zz-slow")[-1] == "incomplete; tensors: timeout"
    assert grades == _rows(clean_out / "grades.csv")
    with sqlite3.connect(database) as db:  # the timeout was graded a second time, alone, before it was recorded
        assert db.execute("SELECT attempts, status FROM results WHERE learner='zz-slow'").fetchall() == [(2, "timeout")]
    assert "retrying zz-slow/tensors alone after a timeout" in rerun.stderr
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert " 0 jobs graded" in again.stdout
    retried = subprocess.run(
        [*command, "--retry", "timeout", "--no-retry-timeouts"], capture_output=True, text=True, timeout=600
    )
    assert " 1 jobs graded" in retried.stdout, retried.stdout  # only the timeout, not the whole class


@pytest.mark.slow
def test_a_batch_stopped_by_sigterm_says_so_and_a_rerun_finishes(clean, tmp_path):
    """scancel or a time limit (SIGTERM) stops a batch as Ctrl-C does: exit 130 and one line saying
    what was kept and what to do, never a silent stop."""
    katas, clean_submissions, clean_out = clean
    submissions = tmp_path / "class"
    shutil.copytree(clean_submissions, submissions)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", "batch", str(submissions), "-o", str(out), "--katas", str(katas)]
    command += ["--timeout", TIMEOUT, "--workers", "1"]
    stopped = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    database, committed = out / "gradebook.sqlite", 0
    while stopped.poll() is None and committed < 1:
        time.sleep(0.1)
        try:
            with sqlite3.connect(database) as db:
                committed = db.execute("SELECT count(*) FROM results").fetchone()[0]
        except sqlite3.OperationalError:
            pass  # not there yet
    stopped.send_signal(signal.SIGTERM)
    _, err = stopped.communicate(timeout=120)
    assert committed >= 1, "the batch finished before it could be stopped"
    assert stopped.returncode == 130, err
    assert err.rstrip().splitlines()[-1] == (
        f"stopped: the results graded so far are saved in {out}; run the same command again to grade the rest"
    )
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert _rows(out / "grades.csv") == _rows(clean_out / "grades.csv")


def test_a_timeout_that_waited_for_no_cpu_is_not_graded_again(tmp_path):
    """Alone on the machine a sleeping job would time out just the same: it is recorded at once."""
    katas, submissions = _kata_pack(tmp_path), tmp_path / "class"
    _learner(submissions, "sleeper", (ADVERSARIAL / "sleep_import.py").read_bytes())
    graded = _batch(katas, submissions, tmp_path / "out", "--workers", "1")
    assert graded.returncode == 0, graded.stderr
    assert "retrying" not in graded.stderr
    with sqlite3.connect(tmp_path / "out" / "gradebook.sqlite") as db:
        assert db.execute("SELECT attempts, status FROM results").fetchall() == [(1, "timeout")]


def test_only_a_timeout_that_waited_for_a_cpu_is_graded_again_alone():
    def timed_out(cpu_wait):
        return KataResult("tensors", 1, TIMEOUT_STATUS, "", [], "cpu", "2", cpu_wait=cpu_wait)

    assert batch._late_for_the_machine(timed_out(1.5), timeout=6.0)
    assert not batch._late_for_the_machine(timed_out(0.1), timeout=6.0)
    assert batch._late_for_the_machine(timed_out(None), timeout=6.0)  # the kernel keeps no figure: as before


def test_shard_choice():
    assert resolve_shard("1/3", None, {}) == Shard(1, 3)
    assert resolve_shard(None, None, {}) == Shard(0, 1)
    # what Slurm sets for the task of `--array=0-7`, and for a rerun of that one task (`--array=5`)
    whole = {"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "8", "SLURM_ARRAY_TASK_MIN": "0"}
    rerun = {"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "1", "SLURM_ARRAY_TASK_MIN": "5"}
    assert resolve_shard(None, 8, whole) == resolve_shard(None, 8, rerun) == Shard(5, 8)
    for env in (whole, rerun):
        with pytest.raises(KataError, match="give --shards N"):
            resolve_shard(None, None, env)
    with pytest.raises(KataError, match="--array=0-3"):
        resolve_shard(None, 4, {"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1"})
    assert resolve_shard(None, 5, {"JOB_COMPLETION_INDEX": "2"}) == Shard(2, 5)
    for bad in ("3/3", "x/2", "1-2"):
        with pytest.raises(KataError):
            resolve_shard(bad, None, {})
    with pytest.raises(KataError):
        resolve_shard(None, 4, {})
    assert sorted({shard_of(f"learner-{i}", 3) for i in range(30)}) == [0, 1, 2]


@pytest.mark.slow
def test_bad_input_is_one_line_exit_2(clean, tmp_path):
    katas = str(clean[0])
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "batch",
            str(tmp_path / "nope"),
            "-o",
            str(tmp_path / "out"),
            "--katas",
            katas,
        ],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and missing.stderr.startswith("error: ") and missing.stderr.count("\n") == 1
    bad_shard = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "batch",
            str(tmp_path),
            "-o",
            str(tmp_path / "out"),
            "--katas",
            katas,
            "--shard",
            "5/2",
        ],
        capture_output=True,
        text=True,
    )
    assert bad_shard.returncode == 2 and "out of range" in bad_shard.stderr


@pytest.mark.slow
def test_preflight_stops_a_batch_whose_reference_fails(clean, tmp_path):
    """A broken environment (here: a pack whose reference no longer passes) grades nobody."""
    katas, submissions, _ = clean
    broken = tmp_path / "pack"
    shutil.copytree(katas.parent, broken)
    reference = broken / "reference" / "01-tensors" / "tensors.py"
    reference.write_text(reference.read_text() + "\n\ndef join_batches(a, b):\n    return torch.cat([a, b], dim=1)\n")
    out = tmp_path / "out"
    run = _batch(broken / "katas", submissions, out, "--workers", "2")
    assert run.returncode == 2, run.stderr
    [line] = [text for text in run.stderr.splitlines() if text.startswith("error:")]
    assert "environment is broken" in line and "'tensors'" in line and "test_join_batches" in line
    assert not (out / "grades.csv").exists()
    if (out / "gradebook.sqlite").exists():
        with sqlite3.connect(out / "gradebook.sqlite") as db:
            assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 0


def test_inactive_protections_are_said_and_can_be_required(monkeypatch):
    from grader import batch, sandbox

    monkeypatch.setattr(sandbox, "protections", lambda: {"no network": False, "throwaway user per job": True})
    said = io.StringIO()
    batch.check_isolation(False, said)
    assert said.getvalue() == "warning: protection not active on this machine: no network\n"
    with pytest.raises(KataError, match="--require-isolation: not active here: no network"):
        batch.check_isolation(True, io.StringIO())


def test_a_gpu_batch_says_when_the_share_of_gpu_memory_is_not_watched(monkeypatch):
    """On cuda the batch asks whether NVML sees this machine's GPU processes (not in a container with
    process ids of its own, say), and whether this torch can give each job a share at all."""
    from grader import batch, device_memory, devices, sandbox

    monkeypatch.setattr(sandbox, "protections", lambda: {"no network": True})
    monkeypatch.setattr(device_memory, "check_watch", lambda: device_memory.Watch.IDS_DIFFER)
    said = io.StringIO()
    batch.check_isolation(False, said, "cuda:0")
    assert said.getvalue() == f"warning: protection not active on this machine: {device_memory.WATCH_PROTECTION}\n"
    with pytest.raises(KataError, match="not active here: GPU memory share watched from outside the job"):
        batch.check_isolation(True, io.StringIO(), "cuda")
    monkeypatch.setattr(device_memory, "check_watch", lambda: device_memory.Watch.ACTIVE)
    batch.check_isolation(True, io.StringIO(), "cuda")  # every protection active: grading goes on
    monkeypatch.setattr(devices, "memory_share_call", lambda kind: None)
    with pytest.raises(KataError, match="not active here: memory share per job on xpu"):
        batch.check_isolation(True, io.StringIO(), "xpu:0")
    said = io.StringIO()
    batch.check_isolation(True, said, "cpu")  # the CPU needs neither
    assert said.getvalue() == ""


@pytest.mark.slow
def test_grading_setup_is_part_of_the_key(clean, tmp_path):
    """Another --timeout grades again; the same setup reuses; --learner regrades only that learner."""
    katas, submissions, clean_out = clean
    out = tmp_path / "out"
    shutil.copytree(clean_out, out)
    learners = len(_rows(clean_out / "grades.csv")) - 1
    unchanged = _batch(katas, submissions, out, "--workers", "2")
    assert unchanged.returncode == 0, unchanged.stderr
    assert " 0 jobs graded" in unchanged.stdout and f" {learners} unchanged" in unchanged.stdout
    longer = _batch(katas, submissions, out, "--workers", "2", timeout="7")
    assert longer.returncode == 0, longer.stderr
    assert f" {learners} jobs graded" in longer.stdout, longer.stdout
    course = tmp_path / "course.toml"  # due long after the files were written: nobody is late
    course.write_text("[katas.tensors]\nweight = 2\ndue = 2999-01-01T00:00:00Z\nlate_penalty_per_day = 0.5\n")
    one = _batch(katas, submissions, out, "--workers", "2", "--learner", "ref-1", "--course", str(course))
    assert one.returncode == 0 and " 1 jobs graded" in one.stdout, one.stdout
    with open(out / "grades.csv", newline="", encoding="utf-8") as file:
        weighted = {row["learner"]: row for row in csv.DictReader(file)}
    assert all(float(row["final"]) == 2 * float(row["total"]) and not row["late_days"] for row in weighted.values())
    one = _batch(katas, submissions, out, "--workers", "2")  # without the course: the plain columns again
    typo = _batch(katas, submissions, out, "--learner", "nobody")
    assert typo.returncode == 2 and "--learner: no submission for nobody" in typo.stderr
    bad = _batch(katas, submissions, out, "--retry", "failed")
    assert bad.returncode == 2 and "--retry takes" in bad.stderr
    assert _rows(out / "grades.csv") == _rows(clean_out / "grades.csv")


@pytest.mark.slow
def test_only_exports_every_kata_graded_so_far(tmp_path):
    """--only grades one kata but exports all; a learner without a kata's result scores 0, `missing`."""
    katas = _kata_pack(tmp_path)
    shutil.copytree(REPO / "katas" / "02-autograd", katas / "02-autograd")
    shutil.copytree(REPO / "reference" / "02-autograd", katas.parent / "reference" / "02-autograd")
    submissions = tmp_path / "class"
    _learner(submissions, "early", (REPO / "reference/01-tensors/tensors.py").read_bytes())
    out = tmp_path / "out"
    first = _batch(katas, submissions, out, "--only", "tensors")
    assert first.returncode == 0, first.stderr
    _learner(submissions, "late", (REPO / "reference/01-tensors/tensors.py").read_bytes())
    shutil.copytree(REPO / "reference" / "02-autograd", submissions / "late" / "autograd")
    second = _batch(katas, submissions, out, "--only", "autograd")
    assert second.returncode == 0, second.stderr
    with open(out / "grades.csv", newline="", encoding="utf-8") as file:
        header, maximum, *rows = list(csv.reader(file))
    assert header == ["learner", "tensors", "autograd", "total", "max_total", "status"]
    grades = {row[0]: row for row in rows}
    assert grades["early"][1] == maximum[1] and grades["early"][2] == "0"
    assert grades["early"][-1] == "incomplete; autograd: not-started"
    assert grades["late"][1:3] == ["0", maximum[2]] and grades["late"][-1] == "incomplete; tensors: missing"
    assert grades["late"][4] == maximum[4]  # the missing kata still counts in the maximum
    assert "rerun `kata batch` with --only tensors" in (out / "feedback" / "late.md").read_text(encoding="utf-8")
    empty = tmp_path / "nobody"
    empty.mkdir()
    nothing = _batch(katas, empty, tmp_path / "out-empty")
    assert nothing.returncode == 1 and "no learner to grade" in nothing.stderr
    unused = next(i for i in range(8) if i not in {shard_of("early", 8), shard_of("late", 8)})
    idle = _batch(katas, submissions, tmp_path / "out-idle", "--only", "tensors", "--shard", f"{unused}/8")
    assert idle.returncode == 0 and "holds none of the 2 learners" in idle.stderr  # not a failed array task
