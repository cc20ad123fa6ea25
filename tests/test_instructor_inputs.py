"""What an instructor hands the grader besides the learners' code: roster.csv, the folder's hidden
entries, gradebooks and the shard outputs `kata merge` combines.

Anything that would be read wrong is a one-line error naming the file (and line), raised before anyone
is graded or anything is written; a hidden folder that holds katas is listed as skipped, never dropped
without a word; shards graded with other checks or another setup are never merged.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from grader import batch, exports, submissions
from grader.batch import Shard
from grader.catalog import Catalog
from grader.errors import KataError
from grader.gradebook import Gradebook, Key
from grader.merge import merge
from grader.results import PASSED, KataResult, LearnerResult
from grader.sandbox import Limits


def _roster(tmp_path: Path, data: bytes) -> Path:
    (tmp_path / submissions.ROSTER).write_bytes(data)
    return tmp_path


def test_roster_in_utf8_with_or_without_bom(tmp_path):
    text = "learner,name\ncanvas-1234,张三\n\n,,\n"  # blank rows, as spreadsheets leave them, are no learners
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        assert submissions.read_roster(_roster(tmp_path, data)) == {"canvas-1234": {"name": "张三"}}


@pytest.mark.parametrize(
    "data, message",
    [
        ("learner,name\ncanvas-1234,张三\n".encode("gbk"), 'line 2 is not UTF-8 text: save it as "CSV UTF-8"'),
        (b"id,name\ncanvas-1234,x\n", "line 1: no 'learner' column"),
        (b"learner,name,\ncanvas-1234,x,\n", "line 1: column 3 has no name"),
        (b"learner,name,name\ncanvas-1234,x,y\n", "line 1: column 'name' is given twice"),
        (b"learner,name\ncanvas-1234,Smith, John\n", "line 2: 3 fields, but the header names 2 columns"),
        (b"learner,name\ncanvas-1,a\ncanvas-2,b\ncanvas-1,c\n", "line 4: learner 'canvas-1' is also on line 2"),
        (b"learner,name\n,a\n", "line 2: no learner id"),
        (b"learner,submitted_at\ncanvas-1,yesterday\n", "line 2: submitted_at 'yesterday' is not an ISO 8601"),
    ],
)
def test_a_roster_read_wrong_is_a_one_line_error(tmp_path, data, message):
    folder = _roster(tmp_path, data)
    with pytest.raises(KataError, match=message) as raised:
        submissions.read_roster(folder)
    assert str(raised.value).startswith(f"{folder / submissions.ROSTER}: ") and "\n" not in str(raised.value)


def test_a_bad_roster_stops_the_batch_before_anyone_is_graded(tensors, tmp_path, monkeypatch):
    classroom = tmp_path / "class"
    (classroom / "canvas-1234" / "tensors").mkdir(parents=True)
    _roster(classroom, "learner,name\ncanvas-1234,张三\n".encode("gbk"))

    def no_grading(*args, **kwargs):
        raise AssertionError("a learner was about to be graded")

    monkeypatch.setattr(batch, "Worker", no_grading)
    with pytest.raises(KataError, match="CSV UTF-8"):
        batch.run(classroom, tmp_path / "out", [tensors], workers=1, device="cpu", limits=Limits(), shard=Shard(0, 1))
    assert not (tmp_path / "out" / "gradebook.sqlite").exists()


def test_the_cli_says_it_in_one_line(tmp_path):
    classroom = tmp_path / "class"
    (classroom / "canvas-1234" / "tensors").mkdir(parents=True)
    _roster(classroom, b"learner,name\ncanvas-1234,\xd5\xc5\xc8\xfd\n")
    run = subprocess.run(
        [sys.executable, "-m", "grader", "batch", str(classroom), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.strip().count("\n") == 0 and "roster.csv" in run.stderr and "CSV UTF-8" in run.stderr


def test_a_hidden_folder_with_katas_is_listed_as_skipped(tmp_path):
    (tmp_path / "alice" / "tensors").mkdir(parents=True)
    (tmp_path / ".hidden" / "tensors").mkdir(parents=True)
    (tmp_path / ".zipped-inside" / "bob" / "tensors").mkdir(parents=True)
    (tmp_path / ".git" / "objects").mkdir(parents=True)  # no kata inside: not a learner's, not listed
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".DS_Store").write_bytes(b"")
    found, skipped = submissions.find(tmp_path, ["tensors", "autograd"], tmp_path / "staging")
    assert [s.learner for s in found] == ["alice"]
    reasons = {s.entry: s.reason for s in skipped}
    assert sorted(reasons) == [".hidden", ".zipped-inside"]
    assert "hidden folder" in reasons[".hidden"] and "rename it" in reasons[".hidden"]


# --- gradebooks and `kata merge` -------------------------------------------------------------------


def _shard(tmp_path: Path, tensors, index: int, learner: str, **grading) -> Path:
    """A shard output as `kata batch --shard index/2` leaves it, holding one learner's result."""
    how = {"version": tensors.version, "setup": "setup-a", "device": "cpu", "torch": "2.13.0", **grading}
    out = tmp_path / f"shard-{index}"
    out.mkdir()
    result = KataResult(tensors.id, how["version"], PASSED, "", [], how["device"], how["torch"])
    book = Gradebook(out / "gradebook.sqlite")
    book.put(Key(learner, tensors.id, "a" * 64, how["version"], how["setup"]), result)
    book.close()
    exports.write_all(out, [LearnerResult(learner, [result])], Catalog([tensors]), "en", [])
    exports.write_shard(out, index, 2, [learner], [tensors.id])
    return out


def test_a_merge_keeps_the_roster_and_course_columns_of_every_shard(tensors, tmp_path):
    # a one-machine run's grades.csv has the roster's name, email... and the course's late_days and
    # final: a merge of its shards lost them
    outs = []
    for index, learner, name in ((0, "alice", "Alice A"), (1, "张三", "张三")):
        out = _shard(tmp_path, tensors, index, learner)
        roster = {learner: {"name": name, "email": f"{index}@example.org"}}
        course = exports.CourseColumns({learner: {"late_days": f"tensors: {index}", "final": "2"}}, final_max="22")
        exports.write_shard(out, index, 2, [learner], [tensors.id], roster, course)
        outs.append(out)
    merge(outs, tmp_path / "all", Catalog([tensors]), excel=True)
    data = (tmp_path / "all" / "grades.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # --excel
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["learner", "name", "email", tensors.id, "total", "max_total", "status", "late_days", "final"]
    assert rows[1][-1] == "22"
    assert rows[2][:3] == ["alice", "Alice A", "0@example.org"] and rows[2][-2:] == ["tensors: 0", "2"]
    assert rows[3][:3] == ["张三", "张三", "1@example.org"] and rows[3][-2:] == ["tensors: 1", "2"]


def test_shards_graded_alike_merge(tensors, tmp_path):
    outs = [_shard(tmp_path, tensors, 0, "alice"), _shard(tmp_path, tensors, 1, "bob")]
    merged = merge(outs, tmp_path / "all", Catalog([tensors]))
    assert [lr.learner for lr in merged] == ["alice", "bob"]
    with sqlite3.connect(tmp_path / "all" / "gradebook.sqlite") as db:
        assert sorted(row[0] for row in db.execute("SELECT learner FROM results")) == ["alice", "bob"]
    assert sorted(p.name for p in (tmp_path / "all").iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize(
    "grading, difference",
    [
        ({"version": 99}, "kata versions: version 99 in one, version {version} in the other"),
        ({"device": "cuda"}, "devices: cuda in one, cpu in the other"),
        ({"torch": "2.12.0"}, "torch versions: torch 2.12.0 in one, torch 2.13.0 in the other"),
        ({"setup": "setup-b"}, "limits (--timeout, --memory or --disk): setup setup-b in one, setup setup-a"),
    ],
)
def test_shards_graded_differently_are_refused(tensors, tmp_path, grading, difference):
    outs = [_shard(tmp_path, tensors, 0, "alice", **grading), _shard(tmp_path, tensors, 1, "bob")]
    with pytest.raises(KataError) as raised:
        merge(outs, tmp_path / "all", Catalog([tensors]))
    message = str(raised.value)
    assert message.startswith(f"{outs[0]} and {outs[1]} graded {tensors.id} with different ")
    assert difference.format(version=tensors.version) in message and "\n" not in message
    assert not (tmp_path / "all").exists()


def test_an_older_result_of_another_setup_does_not_count(tensors, tmp_path):
    """A shard regraded with a longer --timeout keeps its old rows: only the newest result counts."""
    outs = [_shard(tmp_path, tensors, 0, "alice", setup="setup-old"), _shard(tmp_path, tensors, 1, "bob")]
    book = Gradebook(outs[0] / "gradebook.sqlite")
    result = KataResult(tensors.id, tensors.version, PASSED, "", [], "cpu", "2.13.0")
    book.put(Key("alice", tensors.id, "a" * 64, tensors.version, "setup-a"), result)
    book.close()
    assert [lr.learner for lr in merge(outs, tmp_path / "all", Catalog([tensors]))] == ["alice", "bob"]


def _cut_short(path: Path) -> None:
    """A gradebook copy cut short, as when a task is killed while copying it."""
    book = Gradebook(path)
    result = KataResult("tensors", 1, PASSED, "", [], "cpu", "2.13.0", output="x" * 2000)
    for n in range(200):
        book.put(Key(f"learner-{n}", "tensors", "a" * 64, 1, "s"), result)
    book.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("damage", ["not a database", "cut short", "another database"])
def test_a_damaged_shard_gradebook_is_named_and_nothing_is_written(tensors, tmp_path, damage):
    outs = [_shard(tmp_path, tensors, 0, "alice"), _shard(tmp_path, tensors, 1, "bob")]
    bad = outs[1] / "gradebook.sqlite"
    if damage == "not a database":
        bad.write_bytes(b"<html>502 Bad Gateway</html>" * 200)
    elif damage == "cut short":
        _cut_short(bad)
    else:
        bad.unlink()
        with sqlite3.connect(bad) as db:
            db.execute("CREATE TABLE notes (text TEXT)")
    run = subprocess.run(
        [sys.executable, "-m", "grader", "merge", *map(str, outs), "-o", str(tmp_path / "all")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.strip().count("\n") == 0 and f"{bad}: not a gradebook, or a damaged one" in run.stderr
    assert not (tmp_path / "all").exists()


def test_a_damaged_gradebook_stops_a_batch_with_its_name(tmp_path):
    path = tmp_path / "gradebook.sqlite"
    _cut_short(path)
    with pytest.raises(KataError, match="not a gradebook, or a damaged one") as raised:
        Gradebook(path)
    assert str(raised.value).startswith(f"{path}: ")
    path.write_bytes(b"PK\x03\x04" + b"\0" * 4000)  # not SQLite at all
    with pytest.raises(KataError, match="not a gradebook, or a damaged one"):
        Gradebook(path)


def test_a_damaged_grades_json_in_a_shard_is_named_and_nothing_is_written(tensors, tmp_path):
    outs = [_shard(tmp_path, tensors, 0, "alice"), _shard(tmp_path, tensors, 1, "bob")]
    grades = outs[1] / "grades.json"
    grades.write_bytes(grades.read_bytes()[:100])  # cut short
    with pytest.raises(KataError, match="grades.json or skipped.csv is damaged") as raised:
        merge(outs, tmp_path / "all", Catalog([tensors]))
    assert str(raised.value).startswith(f"{outs[1]}: ")
    assert not (tmp_path / "all").exists()


def test_roster_learners_without_an_entry_are_graded_as_not_submitted(tmp_path):
    # every roster row gets a grade to upload; a learner whose entry was skipped needs a look, not a 0
    roster = {name: {"name": name.title()} for name in ("alice", "carol", "ghost", ".hidden", "new\nline")}
    found = [submissions.Submission("alice", tmp_path / "alice", ["tensors"])]
    skipped = [submissions.Skipped("carol.zip", "not a readable zip")]
    (tmp_path / "staging").mkdir()
    absent = submissions.roster_only(roster, found, skipped, tmp_path / "staging")
    assert [s.learner for s in absent] == ["ghost"]
    assert not absent[0].folder("tensors").exists()  # so the batch says "not submitted", without a run
    said = io.StringIO()
    found.append(submissions.Submission("bob", tmp_path / "bob", ["tensors"]))
    batch._say_roster(roster, found, absent, said)
    assert said.getvalue().splitlines() == [
        "roster.csv: 1 learner without an entry, graded as not submitted: ghost",
        "roster.csv: no row for 1 learner: bob",
    ]


def test_an_output_that_is_a_file_is_a_one_line_error(tensors, tmp_path):
    # it was "error: File exists (grades)", which does not say what to change
    (tmp_path / "class").mkdir()
    (tmp_path / "grades").write_text("not a folder")
    with pytest.raises(KataError, match=r"-o .*grades is a file; give the folder the grades go to") as raised:
        batch.run(
            tmp_path / "class",
            tmp_path / "grades",
            [tensors],
            workers=1,
            device="cpu",
            limits=Limits(),
            shard=Shard(0, 1),
        )
    assert raised.value.key == "out_is_file"
    outs = [_shard(tmp_path, tensors, 0, "alice"), _shard(tmp_path, tensors, 1, "bob")]
    with pytest.raises(KataError) as raised:
        merge(outs, tmp_path / "grades", Catalog([tensors]))
    assert raised.value.key == "out_is_file"
