"""The learner's flows through the real `kata` CLI, in temporary folders."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

KATAS = Path(__file__).resolve().parents[1] / "katas"
REFERENCE = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A private pack holding only the tensors kata, so these tests don't depend on the others."""
    root = tmp_path / "pack"
    shutil.copytree(KATAS / "01-tensors", root / "katas" / "01-tensors")
    shutil.copytree(REFERENCE / "01-tensors", root / "reference" / "01-tensors")
    return root / "katas"


@pytest.fixture
def kata(tmp_path: Path, pack: Path):
    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "grader", "--lang", "en", *args]
        if args and args[0] != "--help":
            command += ["--katas", str(pack)]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, input=input, timeout=120)

    return run


def test_learner_walkthrough(kata, tmp_path: Path):
    started = kata("start", "tensors")
    assert started.returncode == 0, started.stderr
    assert "Exercises" in started.stdout and "kata grade tensors" in started.stdout
    solution = tmp_path / "kata-workspace" / "tensors" / "tensors.py"
    assert solution.is_file()

    graded = kata("grade")
    assert graded.returncode == 1
    assert "0/10" in graded.stdout and "not started yet" in graded.stdout and "kata hint tensors" in graded.stdout

    locked = kata("solution", "tensors")
    assert locked.returncode == 1 and "unlocks once you have full points" in locked.stderr

    shutil.copyfile(REFERENCE / "01-tensors" / "tensors.py", solution)
    graded = kata("grade", "tensors", "--json", "result.json")
    assert graded.returncode == 0, graded.stdout
    assert "10/10" in graded.stdout and "passed" in graded.stdout
    assert '"schema_version": 1' in (tmp_path / "result.json").read_text()

    listed = kata("list")
    assert "passed" in listed.stdout and "10/10" in listed.stdout
    shown = kata("solution", "tensors")
    assert shown.returncode == 0 and "def flatten_transposed" in shown.stdout


def test_start_never_overwrites_learner_files(kata, tmp_path: Path):
    kata("start", "tensors")
    solution = tmp_path / "kata-workspace" / "tensors" / "tensors.py"
    solution.write_text("# my work\n")
    again = kata("start", "tensors")
    assert again.returncode == 0 and "kept your existing tensors.py" in again.stdout
    assert solution.read_text() == "# my work\n"


def test_reset_asks_and_keeps_a_backup(kata, tmp_path: Path):
    kata("start", "tensors")
    solution = tmp_path / "kata-workspace" / "tensors" / "tensors.py"
    solution.write_text("# my work\n")
    declined = kata("reset", "tensors", input="n\n")
    assert declined.returncode == 1 and solution.read_text() == "# my work\n"
    done = kata("reset", "tensors", "--yes")
    assert done.returncode == 0
    assert "NotImplementedError" in solution.read_text()
    backups = list((tmp_path / "kata-workspace" / ".kata" / "backups").glob("tensors-*/tensors.py"))
    assert [b.read_text() for b in backups] == ["# my work\n"]


def test_hint_ladder_goes_one_step_each_time(kata):
    kata("start", "tensors")
    first, second = kata("hint", "tensors"), kata("hint", "tensors")
    assert "Hint 1 of 5" in first.stdout and "Hint 2 of 5" in second.stdout
    assert first.stdout != second.stdout
    for _ in range(5):
        last = kata("hint", "tensors")
    assert "Hint 5 of 5" in last.stdout and "last hint" in last.stdout


def test_chinese_output(pack: Path, tmp_path: Path):
    out = subprocess.run([sys.executable, "-m", "grader", "--lang", "zh", "start", "tensors", "--katas", str(pack)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "练习 1" in out.stdout and "编辑" in out.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (("start", "nope"), "unknown kata 'nope'"),
        (("grade", "--device", "cuda:7"), "not present here"),
        (("grade", "--device", "tpu"), "unknown device 'tpu'"),
        (("grade",), "no started katas"),
        (("reset", "tensors", "--yes"), "is not started"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(kata, args, message):
    if args[0] == "grade" and "--device" in args:
        kata("start", "tensors")
    out = kata(*args)
    assert out.returncode == 2, out.stdout + out.stderr
    assert message in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_malformed_pack_is_a_clear_error(kata, pack: Path):
    toml = pack / "01-tensors" / "kata.toml"
    toml.write_text(toml.read_text().replace("order = 1", 'order = "first"'))
    out = kata("list")
    assert out.returncode == 2
    assert "kata.toml: field 'order' must be int" in out.stderr and "Traceback" not in out.stderr


def test_verify_proves_the_tensors_kata(kata):
    out = kata("verify")
    assert out.returncode == 0, out.stdout
    assert "ok   tensors: 9 checks, 5 known mistakes caught" in out.stdout
