"""What `kata merge` refuses, and how it says so: shards graded with other course settings (their
`final` columns would mix weights), an -o that holds a `kata batch` output (its gradebook would be
replaced), and shard folders that do not exist, never finished, or were graded with a pack that
--katas does not name.

Shards are fabricated as `kata batch --shard` leaves them, or made by `batch.run` with a worker that
never starts a child (every learner here submitted nothing), so that no test grades anything.
"""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
from pathlib import Path

import pytest

from grader import batch, exports, preflight
from grader.batch import Shard, shard_of
from grader.catalog import Catalog
from grader.course import Course, CourseKata
from grader.errors import KataError
from grader.gradebook import Gradebook, Key
from grader.merge import merge
from grader.results import PASSED, KataResult, LearnerResult
from grader.sandbox import Limits

# one learner in each shard of two
LEARNERS = {shard_of(name, 2): name for name in ("alice", "bob", "carol", "dave", "erin")}


def _shard(tmp_path: Path, kata, index: int, count: int = 2, name: str = "") -> Path:
    """A shard output as `kata batch --shard index/count` leaves it, holding one learner's result."""
    learner = LEARNERS[index]
    out = tmp_path / (name or f"shard-{index}")
    out.mkdir()
    result = KataResult(kata.id, kata.version, PASSED, "", [], "cpu", "2.13.0")
    book = Gradebook(out / "gradebook.sqlite")
    book.put(Key(learner, kata.id, "a" * 64, kata.version, "setup-a"), result)
    book.close()
    exports.write_all(out, [LearnerResult(learner, [result])], Catalog([kata]), "en", [])
    exports.write_shard(out, index, count, [learner], [kata.id])
    return out


class _NoChild:
    """Stands in for the worker: the learners here submitted nothing, so no job runs."""

    def __init__(self, katas: object, **options: object):
        pass

    def expected(self, kata: object) -> list:
        return []

    def run_jobs(self, jobs: list, on_progress: object = None) -> list:
        assert not jobs, "a learner's code was about to run"
        return []


@pytest.fixture
def no_grading(monkeypatch):
    monkeypatch.setattr(batch, "Worker", _NoChild)
    monkeypatch.setattr(preflight, "references", lambda *args: preflight.Passed(0, 0.0))


def _batch(tmp_path: Path, tensors, index: int, course: Course | None) -> Path:
    """`kata batch --shard index/2 [--course]` of a class whose roster names one learner per shard."""
    classroom = tmp_path / "class"
    classroom.mkdir(exist_ok=True)
    (classroom / "roster.csv").write_text("learner\n" + "".join(f"{n}\n" for n in LEARNERS.values()))
    out = tmp_path / f"shard-{index}"
    batch.run(
        classroom,
        out,
        [tensors],
        workers=1,
        device="cpu",
        limits=Limits(),
        shard=Shard(index, 2),
        stream=io.StringIO(),
        course=course,
    )
    return out


def _course(weight: float) -> Course:
    return Course({"tensors": CourseKata(weight=weight)})


# --- 1. course settings -------------------------------------------------------------------------


def test_shards_graded_with_different_course_files_are_refused(tensors, tmp_path, no_grading):
    outs = [_batch(tmp_path, tensors, 0, _course(2.0)), _batch(tmp_path, tensors, 1, _course(3.0))]
    with pytest.raises(KataError) as raised:
        merge(outs, tmp_path / "all", Catalog([tensors]))
    message = str(raised.value)
    assert message.startswith(f"{outs[0]} and {outs[1]} were graded with different course settings")
    assert "--course" in message and "\n" not in message
    assert not (tmp_path / "all").exists()


@pytest.mark.parametrize("with_course", [0, 1])
def test_a_shard_with_a_course_and_one_without_are_refused(tensors, tmp_path, no_grading, with_course):
    outs = [_batch(tmp_path, tensors, i, _course(2.0) if i == with_course else None) for i in range(2)]
    with pytest.raises(KataError) as raised:
        merge(outs, tmp_path / "all", Catalog([tensors]))
    message = str(raised.value)
    assert message.startswith(f"{outs[with_course]} was graded with a course (--course) and {outs[1 - with_course]}")
    assert "without one" in message and "\n" not in message
    assert not (tmp_path / "all").exists()


def test_shards_graded_with_the_same_course_merge(tensors, tmp_path, no_grading):
    outs = [_batch(tmp_path, tensors, i, _course(2.0)) for i in range(2)]
    merge(outs, tmp_path / "all", Catalog([tensors]))
    assert (tmp_path / "all" / "grades.csv").read_text().splitlines()[0].endswith(",late_days,final")
    # the merge records the settings too: a merge of merges is checked alike
    merged = exports.read_shard(tmp_path / "all")
    assert merged["course"]["settings"] == exports.read_shard(outs[0])["course"]["settings"] != ""


def test_the_settings_recorded_are_those_final_and_late_days_depend_on():
    digest = batch._course_settings
    assert digest(_course(2.0)) == digest(_course(2.0)) != digest(_course(3.0))
    penalised = Course({"tensors": CourseKata(weight=2.0, late_penalty_per_day=0.1)})
    assert digest(penalised) != digest(_course(2.0))
    shown_later = Course({"tensors": CourseKata(weight=2.0, checks={"test_x": "hidden"})}, visibility="hidden")
    assert digest(shown_later) == digest(_course(2.0))  # visibility changes no column of grades.csv


# --- 2. an -o that holds a batch output ---------------------------------------------------------------


def test_an_out_holding_a_batch_output_is_refused_and_kept(tensors, tmp_path):
    outs = [_shard(tmp_path, tensors, 0), _shard(tmp_path, tensors, 1)]
    grades = _shard(tmp_path, tensors, 0, count=1, name="grades")  # an earlier one-machine `kata batch -o grades`
    before = {p.name: p.read_bytes() for p in grades.iterdir() if p.is_file()}
    with pytest.raises(KataError) as raised:
        merge(outs, grades, Catalog([tensors]))
    assert raised.value.key == "merge_out_batch"
    assert (
        str(raised.value)
        == f"-o must be a new folder or an earlier merge's output: {grades} holds a `kata batch` output"
    )
    assert {p.name: p.read_bytes() for p in grades.iterdir() if p.is_file()} == before


def test_an_out_holding_other_files_is_refused(tensors, tmp_path):
    outs = [_shard(tmp_path, tensors, 0), _shard(tmp_path, tensors, 1)]
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("grade the class\n")
    with pytest.raises(KataError) as raised:
        merge(outs, tmp_path / "notes", Catalog([tensors]))
    assert raised.value.key == "merge_out_not_empty"
    assert sorted(p.name for p in (tmp_path / "notes").iterdir()) == ["todo.txt"]


def test_a_merge_again_into_its_own_output_or_an_empty_folder_works(tensors, tmp_path):
    outs = [_shard(tmp_path, tensors, 0), _shard(tmp_path, tensors, 1)]
    (tmp_path / "all").mkdir()  # made beforehand, empty
    merge(outs, tmp_path / "all", Catalog([tensors]))
    first = (tmp_path / "all" / "grades.csv").read_bytes()
    merge(outs, tmp_path / "all", Catalog([tensors]))  # e.g. after a shard was graded again
    assert (tmp_path / "all" / "grades.csv").read_bytes() == first
    assert exports.read_shard(tmp_path / "all")["merged_from"] == 2


def test_a_merge_stopped_while_writing_leaves_nothing_and_runs_again(tensors, tmp_path, monkeypatch):
    outs = [_shard(tmp_path, tensors, 0), _shard(tmp_path, tensors, 1)]

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(exports, "write_all", stopped)
        with pytest.raises(KeyboardInterrupt):
            merge(outs, tmp_path / "all", Catalog([tensors]))
    assert not (tmp_path / "all").exists()  # its gradebook would make a rerun take it for a batch output
    merged = merge(outs, tmp_path / "all", Catalog([tensors]))
    assert [lr.learner for lr in merged] == sorted([LEARNERS[0], LEARNERS[1]])


def test_a_refused_out_is_one_line_with_exit_2(tensors, tmp_path):
    outs = [_shard(tmp_path, tensors, 0), _shard(tmp_path, tensors, 1)]
    grades = _shard(tmp_path, tensors, 0, count=1, name="grades")
    run = subprocess.run(
        [sys.executable, "-m", "grader", "merge", *map(str, outs), "-o", str(grades)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.strip().count("\n") == 0 and f"{grades} holds a `kata batch` output" in run.stderr


# --- 3. what the message says -----------------------------------------------------------------------


def test_a_shard_folder_that_does_not_exist_is_named_as_such(tensors, tmp_path):
    outs = [_shard(tmp_path, tensors, 0), tmp_path / "nope1"]
    with pytest.raises(KataError) as raised:
        merge(outs, tmp_path / "all", Catalog([tensors]))
    assert str(raised.value) == f"{outs[1]}: no such folder"
    assert not (tmp_path / "all").exists()


def test_a_shard_whose_batch_never_finished_must_be_run_again(tensors, tmp_path):
    outs = [_shard(tmp_path, tensors, 0), _shard(tmp_path, tensors, 1)]
    (outs[1] / "shard.json").unlink()  # the batch was stopped before it wrote it: the last file it writes
    with pytest.raises(KataError) as raised:
        merge(outs, tmp_path / "all", Catalog([tensors]))
    message = str(raised.value)
    assert message.startswith(f"{outs[1]}: ") and "never finished" in message and "run that shard again" in message
    assert not (tmp_path / "all").exists()


def test_a_folder_that_is_no_batch_output_is_asked_about(tensors, tmp_path):
    (tmp_path / "photos").mkdir()
    with pytest.raises(KataError, match=r"photos: no shard.json \(is it a `kata batch` output\?\)"):
        merge([_shard(tmp_path, tensors, 0), tmp_path / "photos"], tmp_path / "all", Catalog([tensors]))


def test_shards_of_a_pack_merged_without_katas_say_to_pass_it(tensors, tmp_path):
    mine = dataclasses.replace(tensors, id="mytensors")
    outs = [_shard(tmp_path, mine, 0), _shard(tmp_path, mine, 1)]
    with pytest.raises(KataError) as raised:
        merge(outs, tmp_path / "all", Catalog.load())  # `kata merge` without --katas: the built-in katas
    message = str(raised.value)
    assert "'mytensors'" in message and "graded with a pack" in message and "pass the same --katas PATH" in message
    assert not (tmp_path / "all").exists()


def test_shards_merged_with_another_pack_say_which_katas_it_lacks(tensors, tmp_path):
    outs = [_shard(tmp_path, tensors, 0), _shard(tmp_path, tensors, 1)]
    other = dataclasses.replace(tensors, id="other", folder=tmp_path / "pack" / "katas" / "01-other")
    with pytest.raises(KataError) as raised:
        merge(outs, tmp_path / "all", Catalog([other]))
    message = str(raised.value)
    assert f"--katas {tmp_path / 'pack' / 'katas'} has no kata 'tensors'" in message
    assert "the --katas PATH the shards were graded with" in message
    assert not (tmp_path / "all").exists()


# --- kata lists ---------------------------------------------------------------------------------


def _empty_shard(tmp_path: Path, kata, index: int, count: int, kata_ids: list[str]) -> Path:
    """A shard that owned no learner: its shard.json lists only the katas of its last --only."""
    out = tmp_path / f"shard-{index}"
    out.mkdir()
    Gradebook(out / "gradebook.sqlite").close()
    exports.write_all(out, [], Catalog([kata]), "en", [])
    exports.write_shard(out, index, count, [], kata_ids)
    return out


def test_a_shard_without_learners_does_not_decide_the_katas(tensors, tmp_path):
    # weekly `--only` runs into the same outputs: a shard with learners lists every kata graded so far
    outs = [_shard(tmp_path, tensors, 0, count=3), _shard(tmp_path, tensors, 1, count=3)]
    outs.append(_empty_shard(tmp_path, tensors, 2, 3, ["autograd"]))
    merge(outs, tmp_path / "all", Catalog([tensors]))
    assert exports.read_shard(tmp_path / "all")["katas"] == [tensors.id]


def test_shards_with_learners_that_graded_other_katas_are_refused_naming_them(tensors, tmp_path):
    outs = [_shard(tmp_path, tensors, 0)]
    other = _shard(tmp_path, tensors, 1)
    exports.write_shard(other, 1, 2, [LEARNERS[1]], ["tensors", "autograd"])
    with pytest.raises(KataError) as raised:
        merge([*outs, other], tmp_path / "all", Catalog([tensors]))
    assert f"{other} tensors, autograd" in str(raised.value) and "--only" in str(raised.value)


def test_a_rerun_stopped_midway_leaves_its_shard_unfinished(tensors, tmp_path, no_grading, monkeypatch):
    # its earlier shard.json would let a merge take the grades from before the rerun
    outs = [_batch(tmp_path, tensors, i, None) for i in range(2)]

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "_grade", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _batch(tmp_path, tensors, 1, None)
    with pytest.raises(KataError, match="never finished"):
        merge(outs, tmp_path / "all", Catalog([tensors]))
