"""The workspace never loses the learner's work or progress: a reset backs up into a folder of its own, a
full disk leaves no empty file passing for a stub or a backup, a damaged state file is set aside (its good
entries kept) with one line on stderr, and a state that cannot be written is said after the grades.

A full disk and an unreadable file are simulated (`_FaultyDisk`): the tests run as any user, root too."""

from __future__ import annotations

import dataclasses
import errno
import io
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from grader import workspace as ws
from grader.bilingual import untranslated
from grader.catalog import Kata
from grader.errors import KataError
from grader.results import CheckResult, KataResult
from grader.workspace import Workspace

MY_WORK = "# MY WORK\n"


class _FaultyDisk:
    """Makes the files under `folder` fail like a full disk (created, then every write fails) or deny access
    like `chmod 000`: patches `open` (pathlib's too) and turns off shutil's sendfile shortcut, which writes
    without going through a file object."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.full: list[Path] = []
        self.unreadable: list[Path] = []
        self.read_only: list[Path] = []
        real_open = io.open

        def faulty_open(file, mode="r", *args, **kwargs):
            path = Path(os.fsdecode(file)).absolute() if isinstance(file, (str, bytes, os.PathLike)) else None
            writes = any(c in mode for c in "wxa+")
            if path is not None and path in self.unreadable:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            if path is not None and writes and any(path.is_relative_to(f) for f in self.read_only):
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            handle = real_open(file, mode, *args, **kwargs)
            if path is not None and writes and any(path.is_relative_to(f) for f in self.full):
                return _NoSpace(handle)
            return handle

        monkeypatch.setattr("builtins.open", faulty_open)
        monkeypatch.setattr("io.open", faulty_open)
        monkeypatch.setattr(shutil, "_USE_CP_SENDFILE", False)
        real_replace, real_mkstemp = os.replace, ws.tempfile.mkstemp

        def replace(source, destination):  # a rename needs the folder writable
            if any(Path(destination).absolute().is_relative_to(f) for f in self.read_only):
                raise PermissionError(errno.EACCES, "Permission denied", str(source), None, str(destination))
            return real_replace(source, destination)

        def mkstemp(*args, dir=None, **kwargs):
            if dir is not None and any(Path(dir).absolute().is_relative_to(f) for f in self.read_only):
                raise PermissionError(errno.EACCES, "Permission denied", str(dir))
            handle, name = real_mkstemp(*args, dir=dir, **kwargs)
            if any(Path(name).absolute().is_relative_to(f) for f in self.full):
                os.close(handle)
                handle = os.open("/dev/full", os.O_WRONLY)  # writes fail with ENOSPC
            return handle, name

        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(ws.tempfile, "mkstemp", mkstemp)


class _NoSpace:
    """A file opened for writing on a full disk: it exists, empty, and every write fails."""

    def __init__(self, handle):
        self._handle = handle

    def write(self, data) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> _FaultyDisk:
    return _FaultyDisk(monkeypatch)


@pytest.fixture
def space(tmp_path: Path, tensors: Kata, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("KATA_LANG", "en")  # the warnings' language where the command gives none
    space = Workspace(tmp_path / "kata-workspace")
    space.start(tensors)
    return space


def _result(kata: Kata, points: list[float]) -> KataResult:
    checks = [
        CheckResult(f"test_{i}", f"check {i}", f"检查 {i}", p, 1.0, "passed" if p == 1 else "failed")
        for i, p in enumerate(points)
    ]
    status = "passed" if all(p == 1 for p in points) else "failed"
    return KataResult(kata.id, kata.version, status, "", checks, "cpu", "test")


def _all_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _asides(space: Workspace) -> list[Path]:
    return sorted(space.state_path.parent.glob("state.json.corrupt-*"))


# -- reset ------------------------------------------------------------------------------------------


def test_two_resets_in_the_same_second_keep_every_backup(space: Workspace, tensors: Kata, monkeypatch):
    (space.folder(tensors) / "tensors.py").write_text(MY_WORK, encoding="utf-8")
    monkeypatch.setattr(ws.time, "strftime", lambda *args: "20260101-120000")  # one second for both
    first = space.reset(tensors)
    second = space.reset(tensors)
    assert first != second
    assert (first / "tensors.py").read_text(encoding="utf-8") == MY_WORK
    assert (second / "tensors.py").read_bytes() == (tensors.stub / "tensors.py").read_bytes()
    third = space.reset(tensors)
    assert len({first, second, third}) == 3 and (first / "tensors.py").read_text(encoding="utf-8") == MY_WORK


def test_a_backup_on_a_full_disk_fails_before_the_learners_file_is_touched(
    space: Workspace, tensors: Kata, disk: _FaultyDisk
):
    mine = space.folder(tensors) / "tensors.py"
    mine.write_text(MY_WORK, encoding="utf-8")
    backups = space.root / ".kata" / "backups"
    disk.full.append(backups.absolute())
    with pytest.raises(OSError) as raised:
        space.reset(tensors)
    assert raised.value.errno == errno.ENOSPC
    assert Path(raised.value.filename).parent.parent == backups.absolute()  # names the backup it could not write
    assert mine.read_text(encoding="utf-8") == MY_WORK
    assert not _all_files(backups)  # no empty file passing for a backup, no temporary litter


def test_a_stub_that_cannot_be_put_back_leaves_the_learners_file(space: Workspace, tensors: Kata, disk: _FaultyDisk):
    mine = space.folder(tensors) / "tensors.py"
    mine.write_text(MY_WORK, encoding="utf-8")
    disk.full.append(space.folder(tensors).absolute())
    with pytest.raises(OSError):
        space.reset(tensors)
    assert mine.read_text(encoding="utf-8") == MY_WORK
    assert [p.name for p in _all_files(space.folder(tensors))] == ["tensors.py"]  # no temporary litter
    [backup] = (space.root / ".kata" / "backups").iterdir()
    assert (backup / "tensors.py").read_text(encoding="utf-8") == MY_WORK


# -- start ------------------------------------------------------------------------------------------


def test_start_on_a_full_disk_leaves_no_empty_stub_and_names_the_file(tmp_path: Path, tensors: Kata, disk: _FaultyDisk):
    space = Workspace(tmp_path / "kata-workspace")
    destination = space.folder(tensors) / "tensors.py"
    disk.full.append(space.folder(tensors).absolute())
    with pytest.raises(OSError) as raised:
        space.start(tensors)
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == str(destination)
    assert not _all_files(space.folder(tensors))  # neither an empty stub nor a temporary file

    disk.full.clear()  # space freed: the next start copies the stub, it does not keep an empty file
    assert space.start(tensors) == [("tensors.py", True)]
    assert destination.read_bytes() == (tensors.stub / "tensors.py").read_bytes()


def test_an_interrupted_start_leaves_no_temporary_file(tmp_path: Path, tensors: Kata, monkeypatch):
    def interrupted(source, destination, *args):
        destination.write(source.read(10))
        raise KeyboardInterrupt

    monkeypatch.setattr(ws.shutil, "copyfileobj", interrupted)
    space = Workspace(tmp_path / "kata-workspace")
    with pytest.raises(KeyboardInterrupt):
        space.start(tensors)
    assert not _all_files(space.folder(tensors))


def test_start_gives_the_stub_a_new_files_mode_not_the_packages(tmp_path: Path, tensors: Kata):
    """An installed package may be read-only; the learner's copy is a new file like any other, editable."""
    folder = tmp_path / "pack" / tensors.folder.name
    shutil.copytree(tensors.folder, folder)
    (folder / "stub" / "tensors.py").chmod(0o444)
    space = Workspace(tmp_path / "kata-workspace")
    space.start(dataclasses.replace(tensors, folder=folder))
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(space.folder(tensors) / "tensors.py").st_mode) == 0o666 & ~umask


# -- a damaged state file ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stored, read, good",
    [
        ({"best": [], "hints_used": {"modules": {"1": 2}}}, lambda s, k: s.solved(k), "hints_used"),
        ({"last": {"tensors": 5, "modules": {"points": 1, "status": "failed"}}}, lambda s, k: s.passing(k), "last"),
        ({"hints_used": [], "best": {"modules": {"points": 3}}}, lambda s, k: s.next_hint(k, "en"), "best"),
        ({"best": {"tensors": {"points": "all"}, "modules": {"points": 3}}}, lambda s, k: s.solved(k), "best"),
        (
            {"hints_used": {"tensors": {"": "two"}, "modules": {"1": 2}}},
            lambda s, k: s.seen_hints(k, "en"),
            "hints_used",
        ),
    ],
)
def test_entries_of_the_wrong_type_are_dropped_and_the_file_kept(
    space: Workspace, tensors: Kata, capsys, stored: dict, read, good: str
):
    raw = json.dumps(stored).encode()
    space.state_path.write_bytes(raw)
    read(space, tensors)
    read(space, tensors)
    warnings = capsys.readouterr().err.splitlines()
    assert len(warnings) == 1 and warnings[0].startswith("warning: ") and "wrong type" in warnings[0]
    [aside] = _asides(space)
    assert aside.read_bytes() == raw and str(aside) in warnings[0]
    kept = json.loads(space.state_path.read_text(encoding="utf-8"))
    assert kept[good]["modules"] == stored[good]["modules"]  # the good entries stay in use

    read(Workspace(space.root), tensors)  # the next command finds a good file: nothing more to say
    assert capsys.readouterr().err == "" and len(_asides(space)) == 1


def test_more_hints_seen_than_the_ladder_holds_shows_the_ladder(space: Workspace, tensors: Kata, capsys):
    """A new kata version may have fewer hints than the learner saw: the counts stored are no error."""
    ladders = [("", tensors.hints), *((str(e.exercise), e.hints) for e in tensors.exercise_hints)]
    space.state_path.write_text(json.dumps({"hints_used": {"tensors": {key: 99 for key, _ in ladders}}}))
    seen = space.seen_hints(tensors, "en")
    assert len(seen) == sum(len(hints["en"]) for key, hints in ladders if hints)
    with pytest.raises(KataError) as beyond:  # past the ladder: said as such, no IndexError
        space.hint_again(tensors, "en", 99)
    assert beyond.value.key == "hint_beyond" and beyond.value.values["n"] == 99
    assert capsys.readouterr().err == ""


def test_a_truncated_state_file_is_set_aside_not_overwritten(space: Workspace, tensors: Kata, capsys):
    space.state_path.write_text('{"best": {"tensors": {"points": 2, "status": "pass', encoding="utf-8")
    space.record(_result(tensors, [1]))
    [aside] = _asides(space)
    assert aside.read_text(encoding="utf-8").startswith('{"best": {"tensors": {"points": 2')
    warning = capsys.readouterr().err
    assert warning.count("\n") == 1 and "not valid JSON" in warning and str(aside) in warning
    assert space.best(tensors)["points"] == 1  # went on with an empty state


@pytest.mark.parametrize("given, environment", [(None, "zh"), ("zh", "en")])
def test_the_warning_speaks_the_learners_language(
    tmp_path: Path, tensors: Kata, capsys, monkeypatch, given, environment
):
    """The language the command was given (`--lang`), else KATA_LANG or the locale."""
    monkeypatch.setenv("KATA_LANG", environment)
    space = Workspace(tmp_path / "kata-workspace", **({"lang": given} if given else {}))
    space.start(tensors)
    space.state_path.write_text("[1, 2]", encoding="utf-8")
    space.best(tensors)
    warning = capsys.readouterr().err
    assert warning.startswith("警告：无法读取") and "不是 JSON 对象" in warning and not untranslated(warning)


def test_an_unreadable_state_file_is_set_aside_not_overwritten(
    space: Workspace, tensors: Kata, disk: _FaultyDisk, capsys
):
    """`chmod 000 state.json`: the rename still works, so the file is moved whole, then progress goes on."""
    stored = json.dumps({"best": {"tensors": {"points": 2, "status": "passed", "version": tensors.version}}})
    space.state_path.write_text(stored, encoding="utf-8")
    disk.unreadable.append(space.state_path.absolute())
    space.record(_result(tensors, [1, 0]))
    [aside] = _asides(space)
    disk.unreadable.clear()
    assert aside.read_text(encoding="utf-8") == stored
    assert "Permission denied" in capsys.readouterr().err


def test_a_damaged_state_that_cannot_be_set_aside_is_left_and_not_written(
    space: Workspace, tensors: Kata, disk: _FaultyDisk, capsys
):
    """A read-only .kata/: reads go on with what could be read; nothing is written over the file."""
    raw = b'{"best": {"tensors": {"points": 2, "status": "passed"}}, "last": []}'
    space.state_path.write_bytes(raw)
    disk.read_only.append(space.state_path.parent.absolute())
    assert space.best(tensors)["points"] == 2
    with pytest.raises(ws.StateNotSaved):
        space.record(_result(tensors, [1]))
    assert space.state_path.read_bytes() == raw and not _asides(space)
    assert "could not move it aside" in capsys.readouterr().err


# -- a state that cannot be written -----------------------------------------------------------------


def test_a_state_that_cannot_be_written_names_the_state_file(space: Workspace, tensors: Kata, disk: _FaultyDisk):
    space.record(_result(tensors, [1, 0]))
    disk.full.append(space.state_path.parent.absolute())
    with pytest.raises(ws.StateNotSaved) as raised:
        space.record(_result(tensors, [1, 1]))
    assert raised.value.filename == str(space.state_path) and raised.value.errno == errno.ENOSPC
    assert (
        raised.value.say("en")
        == f"warning: progress could not be saved to {space.state_path} (No space left on device)"
    )
    assert raised.value.say("zh").startswith("警告：进度未能保存到") and not untranslated(raised.value.say("zh"))
    assert space.best(tensors)["points"] == 1
    assert not list(space.state_path.parent.glob("state.*.tmp"))


def test_grading_keeps_every_result_when_the_state_cannot_be_written(
    space: Workspace, tensors: Kata, disk: _FaultyDisk, monkeypatch
):
    from grader import grading

    graded = _result(tensors, [1, 1])
    monkeypatch.setattr(grading, "grade_many", lambda worker, jobs, progress: [(job, graded) for job in jobs])
    disk.read_only.append(space.state_path.parent.absolute())
    results = grading.grade_workspace(None, space, [tensors], "cpu", None)
    assert list(results) == [graded]
    assert isinstance(results.unsaved, ws.StateNotSaved) and results.unsaved.filename == str(space.state_path)

    disk.read_only.clear()
    assert grading.grade_workspace(None, space, [tensors], "cpu", None).unsaved is None


def test_a_hint_is_shown_when_the_state_cannot_be_written(space: Workspace, tensors: Kata, disk: _FaultyDisk):
    first = space.next_hint(tensors, "en")
    disk.read_only.append(space.state_path.parent.absolute())
    again = space.next_hint(tensors, "en")  # a read-only workspace: the hint, and why its step is not kept
    assert again.number == first.number + 1 and again.text
    assert isinstance(again.unsaved, ws.StateNotSaved) and again.unsaved.filename == str(space.state_path)
    assert space.next_hint(tensors, "en").number == again.number  # the ladder did not move
    disk.read_only.clear()
    assert space.next_hint(tensors, "en").unsaved is None


# -- through the command ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stored, command",
    [
        ('{"last": {"tensors": 5}}', ["list"]),
        ('{"hints_used": []}', ["hint", "tensors"]),
        ('{"best": []}', ["solution", "tensors"]),
        ('{"best": {"tensors": {"points": 2, "stat', ["list"]),
    ],
)
def test_the_command_says_one_line_and_goes_on(tmp_path: Path, stored: str, command: list[str]):
    root = tmp_path / "kata-workspace"
    run = [sys.executable, "-m", "grader", "--lang", "en"]
    env = {**os.environ, "KATA_LANG": "en"}
    subprocess.run([*run, "start", "tensors"], cwd=tmp_path, capture_output=True, check=True, timeout=120, env=env)
    (root / ".kata" / "state.json").write_text(stored, encoding="utf-8")
    done = subprocess.run([*run, *command], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert "Traceback" not in done.stderr
    assert done.returncode == (1 if command[0] == "solution" else 0), done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("warning: ")] == done.stderr.splitlines()[:1]
    assert list((root / ".kata").glob("state.json.corrupt-*"))


def test_a_workspace_one_level_down_is_found_before_one_beside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`cd ..` out of the project: its katas, one level down, not another project's (a sibling of the parent)."""
    here = tmp_path / "course" / "iso"
    for workspace in (here / "proj" / ws.DEFAULT_NAME, tmp_path / "course" / "other" / ws.DEFAULT_NAME):
        (workspace / ws.STATE_DIR).mkdir(parents=True)
    (here / "deeper" / "down" / ws.DEFAULT_NAME / ws.STATE_DIR).mkdir(parents=True)  # two levels: not looked at
    monkeypatch.chdir(here)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert ws.workspace_nearby() == here / "proj" / ws.DEFAULT_NAME
