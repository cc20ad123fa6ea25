"""course.toml: checked on load; lateness from the LMS's time or the files' times; `final` weighted and
penalised while the raw points stay; the visibility it sets reaches the platform bundles."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from grader import course as course_module
from grader.errors import KataError

DUE = datetime(2026, 3, 1, 23, 59, tzinfo=timezone(timedelta(hours=8)))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_course_file_is_checked(tmp_path):
    good = _write(
        tmp_path,
        'visibility = "hidden"\n[katas.tensors]\nweight = 2\n'
        "due = 2026-03-01T23:59:00+08:00\nlate_penalty_per_day = 0.25\n"
        'checks = { test_move_to = "after_due_date" }\n',
    )
    course = course_module.load(good, {"tensors", "autograd"})
    assert course.visibility == "hidden" and course.katas["tensors"].due == DUE
    assert course.check_visibility() == {"tensors/test_move_to": "after_due_date"}
    bad = {
        "[katas.nope]\n": "no kata 'nope'",
        "[katas.tensors]\ndue = 2026-03-01T23:59:00\n": "time zone",
        "[katas.tensors]\nlate_penalty_per_day = 2\n": "from 0 to 1",
        "[katas.tensors]\nweight = true\n": "'katas.tensors.weight' must be a number",
        '[katas.tensors]\nchecks = { test_x = "sometimes" }\n': "maps check ids",
        'visibility = "public"\n[katas.tensors]\n': "'visibility' must be one of",
        'visibility = "hidden"\n': "no [katas.<id>] table",
        "[katas\n": "not valid TOML",
    }
    for text, message in bad.items():
        with pytest.raises(KataError, match=message.replace("[", r"\[").replace(".", r"\.")):
            course_module.load(_write(tmp_path, text), {"tensors"})


@pytest.mark.parametrize(
    "text, message",
    [
        ("katas = 5\n", "'katas' must be tables"),
        ('katas = ["tensors"]\n', "'katas' must be tables"),
        ("[katas]\ntensors = 2\n", "'katas.tensors' must be a table"),
        ("visibility = 3\n[katas.tensors]\n", "'visibility' must be one of"),
        ("[katas.tensors]\nchecks = { test_x = 1 }\n", "'katas.tensors.checks' maps check ids"),
        ("[katas.tensors]\nwieght = 2\n", "unknown key 'katas.tensors.wieght'"),
        ("weight = 2\n[katas.tensors]\n", "unknown key 'weight'"),
    ],
)
def test_wrong_types_and_unknown_keys_name_the_file_and_key(tmp_path, text, message):
    """A value of the wrong type is a one-line error, never an AttributeError; a misspelt key is never
    ignored without a word."""
    path = _write(tmp_path, text)
    with pytest.raises(KataError, match=message) as raised:
        course_module.load(path, {"tensors"})
    assert str(raised.value).startswith(f"{path}: ") and "\n" not in str(raised.value)


def test_late_days_and_final(tmp_path):
    course = course_module.load(
        _write(
            tmp_path,
            "[katas.tensors]\nweight = 2\ndue = 2026-03-01T23:59:00+08:00\n"
            "late_penalty_per_day = 0.25\n[katas.autograd]\n",
        ),
        {"tensors", "autograd"},
    )
    assert course.late_days("tensors", DUE) == 0 and course.late_days("tensors", None) == 0
    assert course.late_days("tensors", DUE + timedelta(minutes=1)) == 1  # a started day counts
    assert course.late_days("tensors", DUE + timedelta(days=2, seconds=1)) == 3
    assert course.late_days("autograd", DUE + timedelta(days=9)) == 0  # no due date
    assert course.final("tensors", 10, 0) == 20 and course.final("tensors", 10, 2) == 10
    assert course.final("tensors", 10, 9) == 0  # never below 0
    assert course.final("autograd", 7, 0) == 7


def test_a_roster_time_without_a_zone_is_read_in_the_due_dates_zone(tmp_path):
    # read as UTC, "23:00" on the due day of a course due 23:59 +08:00 was 07:00 the next day there:
    # a day late, and a quarter of the kata's points lost for a submission on time
    course = course_module.load(
        _write(tmp_path, "[katas.tensors]\ndue = 2026-03-01T23:59:00+08:00\nlate_penalty_per_day = 0.25\n"),
        {"tensors"},
    )
    on_time = course_module.submitted_at([], "2026-03-01T23:00:00")
    assert course.late_days("tensors", on_time) == 0
    assert course.late_days("tensors", course_module.submitted_at([], "2026-03-02T00:30:00")) == 1
    assert course.late_days("tensors", course_module.submitted_at([], "2026-03-01T23:00:00+00:00")) == 1


def test_submission_time_from_the_lms_else_the_files(tmp_path):
    file = tmp_path / "tensors.py"
    file.write_text("x = 1\n")
    stamp = DUE.timestamp() + 3600
    os.utime(file, (stamp, stamp))
    assert course_module.submitted_at([file]) == datetime.fromtimestamp(stamp, timezone.utc)
    assert course_module.submitted_at([file], "2026-03-01T10:00:00-08:00") == datetime(
        2026, 3, 1, 18, 0, tzinfo=timezone.utc
    )
    assert course_module.submitted_at([]) is None
    with pytest.raises(KataError, match="ISO 8601"):
        course_module.submitted_at([file], "yesterday")


def test_zipped_submissions_keep_their_members_times(tmp_path):
    import time
    import zipfile

    from grader import submissions

    info = zipfile.ZipInfo("tensors/tensors.py", date_time=(2026, 3, 1, 12, 0, 0))
    with zipfile.ZipFile(tmp_path / "learner.zip", "w") as zf:
        zf.writestr(info, "x = 1\n")
    submissions.extract_zip(tmp_path / "learner.zip", tmp_path / "out")
    assert (tmp_path / "out" / "tensors" / "tensors.py").stat().st_mtime == time.mktime(
        (2026, 3, 1, 12, 0, 0, 0, 0, -1)
    )
