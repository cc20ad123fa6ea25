"""Workspace.record: the best result is kept (a worse grade never replaces it, an equal one does), a
new kata version starts the best afresh, the last result is always the latest with the fingerprint
it graded, and the state file is written whole or not at all."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from grader.catalog import Kata
from grader.results import CheckResult, KataResult
from grader.workspace import StateNotSaved, Workspace, find_root, fingerprint


def _result(kata: Kata, points: list[float], version: int | None = None) -> KataResult:
    """A result of `kata` with one check per entry of `points`, each out of 1."""
    checks = [
        CheckResult(f"test_{i}", f"check {i}", f"检查 {i}", p, 1.0, "passed" if p == 1 else "failed")
        for i, p in enumerate(points)
    ]
    status = "passed" if all(p == 1 for p in points) else "failed"
    return KataResult(kata.id, kata.version if version is None else version, status, "", checks, "cpu", "test")


@pytest.fixture
def space(tmp_path: Path, tensors: Kata) -> Workspace:
    space = Workspace(tmp_path / "kata-workspace")
    space.start(tensors)
    return space


def test_the_first_result_is_best_and_last(space: Workspace, tensors: Kata):
    space.record(_result(tensors, [1, 0]))
    assert space.best(tensors) == {"points": 1, "max_points": 2, "status": "failed", "version": tensors.version}
    last = space.last(tensors)
    assert last["points"] == 1 and last["first_failure"] == "test_1"


def test_a_worse_result_keeps_the_best_but_becomes_the_last(space: Workspace, tensors: Kata):
    space.record(_result(tensors, [1, 1]))
    space.record(_result(tensors, [0, 1]))
    assert space.best(tensors)["points"] == 2 and space.best(tensors)["status"] == "passed"
    assert space.last(tensors)["points"] == 1 and space.last(tensors)["first_failure"] == "test_0"


def test_an_equal_result_replaces_the_best(space: Workspace, tensors: Kata):
    """Same points, newer run: the best says what the latest such run was (its status here)."""
    space.record(_result(tensors, [1, 0]))
    same = _result(tensors, [1, 0])
    same.status = "timeout"
    space.record(same)
    assert space.best(tensors)["status"] == "timeout"


def test_a_better_result_replaces_the_best(space: Workspace, tensors: Kata):
    space.record(_result(tensors, [0, 0]))
    space.record(_result(tensors, [1, 1]))
    assert space.best(tensors)["points"] == 2 and space.last(tensors)["first_failure"] is None


def test_a_new_kata_version_starts_the_best_afresh(space: Workspace, tensors: Kata):
    """Points earned against old checks say nothing about the new ones: the stored best keeps its version
    (so a reader can tell it is stale) until a result of the new version replaces it, even a worse one."""
    old, new = tensors.version, tensors.version + 1
    space.record(_result(tensors, [1, 1], version=old))
    newer = dataclasses.replace(tensors, version=new)
    assert space.best(newer)["version"] == old  # stored, not current
    assert space.last(newer) is None  # the last result was for the old checks
    assert space.last(tensors) is not None

    space.record(_result(tensors, [1, 0, 0], version=new))
    assert space.best(newer) == {"points": 1, "max_points": 3, "status": "failed", "version": new}
    assert space.last(newer)["points"] == 1

    space.record(_result(tensors, [0, 0, 0], version=new))  # within a version the best is kept again
    assert space.best(newer)["points"] == 1


def test_each_kata_has_its_own_entries(space: Workspace, tensors: Kata):
    other = dataclasses.replace(tensors, id="other")
    space.folder(other).mkdir()
    space.record(_result(tensors, [1, 1]))
    space.record(_result(other, [0]))
    assert space.best(tensors)["points"] == 2 and space.best(other)["points"] == 0


def test_the_fingerprint_given_is_the_one_stored(space: Workspace, tensors: Kata):
    """The files may change while they are graded: the fingerprint is the one taken before grading."""
    space.record(_result(tensors, [1]), graded="abc123")
    assert space.last(tensors)["fingerprint"] == "abc123"
    assert space.changed(tensors)


def test_the_state_file_is_json_and_leaves_other_entries_alone(space: Workspace, tensors: Kata):
    space.state_path.write_text(json.dumps({"hints_used": {"tensors": {"": 2}}}), encoding="utf-8")
    space.record(_result(tensors, [1]))
    state = json.loads(space.state_path.read_text(encoding="utf-8"))
    assert state["hints_used"] == {"tensors": {"": 2}} and set(state) == {"hints_used", "best", "last"}


def test_a_write_that_fails_halfway_leaves_the_old_state_whole(space: Workspace, tensors: Kata, monkeypatch):
    space.record(_result(tensors, [1, 0]))
    before = space.state_path.read_bytes()

    def half_then_fail(data, out, **kwargs):
        out.write(json.dumps(data, **kwargs)[:20])
        raise OSError("disk full")

    monkeypatch.setattr("grader.workspace.json.dump", half_then_fail)
    with pytest.raises(StateNotSaved) as raised:
        space.record(_result(tensors, [1, 1]))
    assert raised.value.filename == str(space.state_path)  # the state file, not the temporary one
    monkeypatch.undo()
    assert space.state_path.read_bytes() == before
    assert space.best(tensors)["points"] == 1
    assert not list(space.state_path.parent.glob("state.*.tmp"))  # no half-written file left behind


def test_an_unreadable_state_file_is_set_aside_and_counts_as_empty(space: Workspace, tensors: Kata, capsys):
    space.state_path.write_text("{half a fi", encoding="utf-8")
    assert space.best(tensors) is None
    space.record(_result(tensors, [1]))
    assert space.best(tensors)["points"] == 1
    [aside] = space.state_path.parent.glob("state.json.corrupt-*")
    assert aside.read_text(encoding="utf-8") == "{half a fi"  # kept whole, never written over
    assert capsys.readouterr().err.count("\n") == 1


def test_solved_needs_full_points_stored_for_the_current_version(space: Workspace, tensors: Kata):
    """What unlocks `kata solution`: a stored best at full points counts only for the version it graded."""
    assert not space.solved(tensors)
    space.record(_result(tensors, [1, 0]))
    assert not space.solved(tensors)
    space.record(_result(tensors, [1, 1]))
    assert space.solved(tensors)
    newer = dataclasses.replace(tensors, version=tensors.version + 1)
    assert not space.solved(newer)  # full points against the old checks
    space.record(_result(tensors, [1, 1, 1], version=newer.version))
    assert space.solved(newer) and not space.solved(tensors)


def test_passing_is_the_last_grade_not_the_best(space: Workspace, tensors: Kata):
    space.record(_result(tensors, [1, 1]))
    assert space.passing(tensors)
    space.record(_result(tensors, [1, 0]))
    assert not space.passing(tensors) and space.solved(tensors)


def test_a_grade_of_the_files_as_they_are_is_unchanged_until_they_change(space: Workspace, tensors: Kata):
    folder = space.folder(tensors)
    space.record(_result(tensors, [1]), graded=fingerprint(folder, tensors.files))
    assert not space.changed(tensors)
    (folder / "tensors.py").write_text("# edited\n", encoding="utf-8")
    assert space.changed(tensors)
    space.record(_result(tensors, [1]))  # no fingerprint known: grade again next time
    assert space.changed(tensors)


def test_w_names_a_workspace_the_folder_holding_one_or_a_katas_folder_in_one(tmp_path: Path):
    root = tmp_path / "kata-workspace"
    (root / ".kata").mkdir(parents=True)
    (root / "tensors").mkdir()
    assert find_root(root) == root and find_root(tmp_path) == root
    assert find_root(root / "tensors") == root  # not a new workspace nested in the kata's folder
    assert find_root(root / "new") == root / "new"  # a folder that does not exist yet: `kata start` makes it
    (tmp_path / "elsewhere").mkdir()
    assert find_root(tmp_path / "elsewhere") == tmp_path / "elsewhere"
