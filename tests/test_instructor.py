"""The instructor's exports and progress, without grading anything: results are built by hand.

JUnit XML against a JUnit schema (`tests/junit.xsd`), grades.csv's statuses and maximum row, the
Excel flavour of the CSVs, the feedback file's full list of failing checks and dropped files, and the
progress line (kinds counted apart, the first ETA, the heartbeat).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest

from grader import exports, report
from grader.batch import Progress, Regrade, missing_result, parse_retry
from grader.catalog import Catalog
from grader.errors import KataError
from grader.i18n import status_word
from grader.results import CheckResult, KataResult, LearnerResult

xmlschema = pytest.importorskip("xmlschema")
JUNIT_XSD = Path(__file__).with_name("junit.xsd")


def _kata(tensors, status: str, outcomes: list[str], dropped: list[str] | None = None) -> KataResult:
    checks = [
        CheckResult(
            f"test_{i}",
            f"check {i}",
            f"检查 {i}",
            1.0 if o == "passed" else 0.0,
            1.0,
            o,
            "" if o == "passed" else f"message {i}\nsecond line",
            0.25,
        )
        for i, o in enumerate(outcomes)
    ]
    return KataResult(
        tensors.id, tensors.version, status, f"{status} status", checks, "cpu", "2.x", 1.5, dropped_files=dropped or []
    )


@pytest.fixture
def learners(tensors) -> list[LearnerResult]:
    return [
        LearnerResult("done", [_kata(tensors, "passed", ["passed", "passed", "passed"])]),
        LearnerResult("wrong", [_kata(tensors, "failed", ["passed", "failed", "failed"], ["notes.txt"])]),
        LearnerResult("loop", [_kata(tensors, "failed", ["passed", "timeout", "failed"])]),
        LearnerResult("hang", [_kata(tensors, "timeout", ["passed", "failed", "failed"])]),
        LearnerResult("stub", [_kata(tensors, "not-started", ["failed", "failed", "failed"])]),
        LearnerResult("late", [missing_result(tensors, _kata(tensors, "passed", ["passed"] * 3))]),
        LearnerResult("张三", [_kata(tensors, "crashed", ["crashed", "crashed", "crashed"])]),
    ]


def test_junit_is_valid_against_the_schema_with_errors_apart(tensors, learners, tmp_path):
    path = tmp_path / "junit.xml"
    exports.write_junit(path, learners)
    xmlschema.XMLSchema(JUNIT_XSD).validate(path)  # raises on any violation
    suites = {s.get("name"): s for s in ET.parse(path).getroot()}
    counts = {name: (s.get("failures"), s.get("errors"), s.get("skipped")) for name, s in suites.items()}
    assert counts == {
        "done.tensors": ("0", "0", "0"),
        "wrong.tensors": ("2", "0", "0"),
        "loop.tensors": ("1", "1", "0"),
        "hang.tensors": ("0", "2", "0"),
        "stub.tensors": ("3", "0", "0"),
        "late.tensors": ("0", "0", "3"),
        "张三.tensors": ("0", "3", "0"),
    }
    [error] = suites["loop.tensors"].iter("error")
    assert error.get("type") == "timeout" and error.text.startswith("message 1")
    assert {e.get("type") for e in suites["hang.tensors"].iter("error")} == {"timeout"}
    root = ET.parse(path).getroot()
    assert root.get("errors") == "6" and root.get("failures") == "6" and float(root.get("time")) > 0


def test_schema_rejects_what_the_old_junit_wrote(tmp_path):
    """The schema is not a rubber stamp: a suite without `errors` and `time` fails it."""
    path = tmp_path / "old.xml"
    path.write_text(
        '<testsuites><testsuite name="a" tests="1" failures="1"><testcase name="t" classname="a">'
        '<failure message="timeout"/></testcase></testsuite></testsuites>'
    )
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        xmlschema.XMLSchema(JUNIT_XSD).validate(path)


def test_grades_csv_statuses_and_maximum_row(tensors, learners, tmp_path):
    exports.write_grades_csv(tmp_path / "grades.csv", sorted(learners, key=lambda lr: lr.learner), [tensors.id])
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as file:
        header, maximum, *rows = list(csv.reader(file))
    assert maximum == [exports.MAX_ROW, "3", "3", "3", ""]
    status = {row[0]: row[-1] for row in rows}
    assert status == {
        "done": "complete",
        "wrong": "incomplete",
        "loop": "incomplete; tensors/test_1: timeout",
        "hang": "incomplete; tensors: timeout",
        "stub": "not started; tensors: not-started",
        "late": "not started; tensors: missing",
        "张三": "incomplete; tensors: crashed",
    }
    assert {row[0]: row[1] for row in rows}["late"] == "0"


def test_excel_csvs_start_with_a_byte_order_mark(tensors, learners, tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "excel").mkdir()
    exports.write_all(tmp_path / "plain", learners, Catalog([tensors]), "en", [])
    exports.write_all(tmp_path / "excel", learners, Catalog([tensors]), "en", [], excel=True)
    for name in ("grades.csv", "checks.csv", "skipped.csv"):
        plain, excel = (tmp_path / "plain" / name).read_bytes(), (tmp_path / "excel" / name).read_bytes()
        assert not plain.startswith(b"\xef\xbb\xbf") and excel == b"\xef\xbb\xbf" + plain, name
    assert "张三".encode("utf-8") in (tmp_path / "excel" / "grades.csv").read_bytes()
    assert exports.read_skipped(tmp_path / "excel") == []


@pytest.mark.parametrize("lang, heading", [("en", "Every check that did not pass"), ("zh", "所有未通过的检查")])
def test_feedback_lists_every_failing_check_and_dropped_files(tensors, learners, lang, heading):
    wrong = next(lr for lr in learners if lr.learner == "wrong")
    text = exports.feedback_markdown(wrong, Catalog([tensors]), lang)
    assert heading in text
    listed = [line for line in text.splitlines() if line.startswith("- tensors · ")]
    assert listed == [
        f"- tensors · {c.localized_title(lang)}{'：' if lang == 'zh' else ': '}{status_word('failed', lang)} — message {i}"
        for i, c in enumerate(wrong.katas[0].checks)
        if c.outcome == "failed"
    ]
    assert "- tensors: notes.txt" in text
    late = next(lr for lr in learners if lr.learner == "late")
    assert "tensors: missing" in exports.feedback_markdown(late, Catalog([tensors]), lang)


def test_progress_counts_kinds_apart_and_waits_for_a_real_job_before_an_eta(tensors):
    stream = io.StringIO()
    progress = Progress(4, ["a/tensors", "b/tensors", "c/tensors"], stream, every=0)
    progress.update(_kata(tensors, "not-started", ["failed"]), "z/tensors")
    assert "ETA after the first results" in stream.getvalue() and "1 not-started" in stream.getvalue()
    progress.update(_kata(tensors, "failed", ["failed"]), "a/tensors")
    progress.update(_kata(tensors, "timeout", ["failed"]), "b/tensors")
    last = stream.getvalue().splitlines()[-1]
    assert "graded 3/4 jobs" in last and "ETA " in last and "after the first" not in last
    assert last.endswith("1 failed, 1 not-started, 1 timeout")


def test_progress_of_jobs_that_run_no_learner_code_shows_no_rate_or_eta(tensors):
    # every kata not started (a rerun that only adds roster learners, say): "0.0/s · ETA after the
    # first results" on the last line said a wait that never comes
    stream = io.StringIO()
    progress = Progress(1, [], stream, every=0)
    progress.update(_kata(tensors, "not-started", ["failed"]), "ghost/tensors")
    assert stream.getvalue() == "graded 1/1 jobs · 1 not-started\n"


def test_heartbeat_names_the_job_that_runs_longest(tensors):
    stream = io.StringIO()
    progress = Progress(3, ["a/tensors", "b/tensors", "c/tensors"], stream, every=0, quiet=0)
    progress.update(_kata(tensors, "passed", ["passed"]), "a/tensors")
    progress.beat()
    assert stream.getvalue().splitlines()[-1].endswith("running longest: b/tensors")


def test_retry_takes_only_statuses_a_rerun_can_change(tensors):
    assert parse_retry("timeout, crashed") == {"timeout", "crashed"}
    with pytest.raises(KataError, match="--retry takes"):
        parse_retry("timeout,failed")
    wanted = Regrade(statuses=frozenset({"timeout"}), learners=frozenset({"bob"}))
    assert wanted.wants("ann", _kata(tensors, "timeout", ["failed"]))
    assert wanted.wants("bob", _kata(tensors, "passed", ["passed"]))
    assert not wanted.wants("ann", _kata(tensors, "failed", ["failed"]))


def test_histogram_gives_full_marks_a_bar_of_its_own():
    assert report.bins([9, 10, 10, 0, 9.99], 10) == [1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2]
    svg = report._histogram([10] * 5, 10)
    labels = [float(y) for y in re.findall(r'<text x="[\d.]+" y="([\d.-]+)">5</text>', svg)]
    assert labels and min(labels) >= 10  # the tallest bar's count sits inside the picture


def test_report_rows_link_feedback_and_count_failures_among_katas_that_ran(tensors, learners, tmp_path):
    exports.write_all(
        tmp_path,
        learners + [LearnerResult("<b>x</b>", [_kata(tensors, "failed", ["failed"] * 3)])],
        Catalog([tensors]),
        "en",
        [],
    )
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr><td><a href=\"([^\"]+)\">(.*?)</a></td>", page)
    assert len(rows) == len(learners) + 1
    for link, _ in rows:
        assert (tmp_path / unquote(link)).is_file(), link
    assert ("feedback/%E5%BC%A0%E4%B8%89.md", "张三") in rows and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<b>x</b>" not in page and "http" not in page and " src=" not in page  # one offline file
    started = [k for lr in learners for k in lr.katas if k.status in ("passed", "failed")]  # ran to the end
    started.append(_kata(tensors, "failed", ["failed"] * 3))
    want = {f"check {i}": sum(k.checks[i].outcome not in ("passed", "skipped") for k in started) for i in range(3)}
    got = re.findall(r'<tr><td>tensors</td><td>(check \d)</td><td class="n">(\d+) of (\d+)</td>', page)
    assert {title: int(n) for title, n, _ in got} == want and {int(of) for _, _, of in got} == {len(started)}


@pytest.mark.skipif(not shutil.which("chromium"), reason="chromium is not installed")
@pytest.mark.slow
def test_report_renders_in_headless_chromium_without_script_errors(tensors, learners, tmp_path):
    exports.write_all(tmp_path, learners, Catalog([tensors]), "en", [])
    page = (tmp_path / "report.html").resolve()
    shot = tmp_path / "report.png"
    common = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"]
    drawn = subprocess.run(
        [*common, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.is_file() and shot.stat().st_size > 10_000, drawn.stderr[-2000:]
    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert "Uncaught" not in dom.stderr, dom.stderr[-2000:]
    assert dom.stdout.count("<tr><td><a href=") == len(learners)


def test_prairielearn_score_csv_has_the_upload_columns(tensors, learners, tmp_path):
    exports.write_prairielearn_csv(tmp_path / "scores.csv", learners)
    with open(tmp_path / "scores.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["uid", "instance", "qid", "score_perc", "feedback"]
    assert {row["qid"] for row in rows} == {f"kata-{tensors.id}"}
    share = {row["uid"]: float(row["score_perc"]) for row in rows}
    assert share["done"] == 100.0 and share["stub"] == 0.0 and 0 < share["wrong"] < 100
    # no result for the current files: an upload of 0 would overwrite the learner's score
    assert "late" not in share and len(rows) == len(learners) - 1


def test_a_gradebook_from_before_the_setup_key_is_kept_aside_never_reused(tensors, tmp_path):
    import sqlite3

    from grader.gradebook import Gradebook, Key

    path = tmp_path / "gradebook.sqlite"
    with sqlite3.connect(path) as db:  # the earlier schema: no setup in the key
        db.execute(
            "CREATE TABLE results (learner TEXT, kata TEXT, content_hash TEXT, kata_version INTEGER, "
            "graded_at TEXT, device TEXT, torch_version TEXT, duration REAL, status TEXT, points REAL, "
            "max_points REAL, result TEXT)"
        )
        db.execute("INSERT INTO results VALUES ('ann','tensors','h',1,'t','cpu','2.x',1,'timeout',0,11,'{}')")
    book = Gradebook(path)
    try:
        assert book.latest(Key("ann", "tensors", "h", 1)) is None and book.katas() == set()
        result = _kata(tensors, "passed", ["passed"])
        book.put(Key("ann", tensors.id, "h", tensors.version, "setup-a"), result)
        assert book.get(Key("ann", tensors.id, "h", tensors.version, "setup-a")) == result
        assert book.get(Key("ann", tensors.id, "h", tensors.version, "setup-b")) is None  # another setup regrades
        assert book.latest(Key("ann", tensors.id, "h", tensors.version)) == result  # any setup, for --only
    finally:
        book.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM results_without_setup").fetchone()[0] == 1
