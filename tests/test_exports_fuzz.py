"""Every export and the gradebook survive any string a learner's code can produce.

Results are built with hostile text where learner code reaches (check messages, printed output,
load-error status lines, folder names, skipped entries): lone surrogates, NULs, 1 MB lines, control
characters, terminal escapes, bidirectional overrides, XML and HTML metacharacters, backtick fences,
spreadsheet formulas, plus seeded random strings over the same alphabet. Then every export is
written and read back with strict parsers, and the gradebook must round-trip.
"""

from __future__ import annotations

import csv
import json
import math
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader import exports, platforms
from grader.catalog import Catalog
from grader.gradebook import Gradebook, Key
from grader.results import CheckResult, KataResult, LearnerResult, safe_data, safe_text
from grader.scorecard import render
from grader.submissions import Skipped

HOSTILE = [
    "\ud800",
    "tail \udfff",
    "\udcff\udc80 surrogate-escaped bytes",
    "nul\x00inside",
    "\x00",
    "x" * 1_000_000,  # a 1 MB line
    "\x1b[2J\x1b[31mred\x1b[0m",
    "bell\x07 backspace\x08 vt\x0b ff\x0c",
    "\x7f del \x85 nel \x9b csi",
    "cr\roverwrite",
    "crlf\r\nline",
    "\u202eevil\u202c",
    "\u2066isolate\u2069",
    "\u200frlm \u200elrm",
    "\u2028line sep\u2029para sep",
    "\ufffe\uffff noncharacters",
    "\U0010ffff astral 😀",
    "中文消息",
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "@SUM(A1)",
    "\tindented",
    "```\n# injected heading\n```",
    "````",
    "<script>alert(1)</script>",
    "]]><!--",
    "&amp; &#0; &#xD800;",
    '"quoted", with, commas',
    "",
    " ",
]
_ALPHABET = (
    "".join(map(chr, range(0x00, 0x20))) + "\x7f\x80\x9f\ud800\udbff\udc00\udfff"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200f\ufeff\ufffe\uffff"
    "`<>&\"'=+-@\\/\n\r\t aZ9中😀\U0010ffff"
)
_LEFT_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def _random_strings(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_ALPHABET) for _ in range(rng.randrange(0, 120))) for _ in range(count)]


STRINGS = HOSTILE + _random_strings(60)


def _kata_result(tensors, text: str, other: str) -> KataResult:
    checks = [
        CheckResult("test_failing", "a failing check", "一个未通过的检查", 0.0, 1.0, "failed", text, math.nan),
        CheckResult("test_passing", "a passing check", "一个通过的检查", 1.0, 1.0, "passed", other, math.inf),
        CheckResult("test_skipped", "a device check", "设备检查", 0.0, 0.0, "skipped", other),
        CheckResult("test_timeout", "a slow check", "慢的检查", 0.0, 2.0, "timeout", text),
    ]
    return KataResult(
        tensors.id,
        tensors.version,
        "failed",
        text,
        checks,
        "cpu",
        "2.x",
        math.nan,
        output=other,
        protections={"no network": False, other: True},
    )


def _learners(tensors) -> list[LearnerResult]:
    names = ["plain-learner", "..", ".", "", "a/b", "x" * 400, "\u202eevil", "tab\tname", "\ud800", "nul\x00"]
    learners = []
    for i, text in enumerate(STRINGS):
        name = names[i] if i < len(names) else f"learner-{i:03d}-{STRINGS[-1 - i][:20]}"
        learners.append(LearnerResult(name, [_kata_result(tensors, text, STRINGS[-1 - i])]))
    return learners


def _sanitised(result: KataResult) -> KataResult:
    return KataResult.from_dict(safe_data(result.to_dict()))


@pytest.fixture(scope="module")
def written(tensors, tmp_path_factory) -> tuple[Path, list[LearnerResult]]:
    out = tmp_path_factory.mktemp("exports")
    learners = _learners(tensors)
    skipped = [Skipped(text[:300], text[-300:]) for text in STRINGS[:20]]
    exports.write_all(out, learners, Catalog([tensors]), "zh", skipped)
    return out, learners


def _all_files(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.is_file())


def test_every_file_is_strict_utf8_without_unsafe_characters(written):
    out, _ = written
    files = _all_files(out)
    assert len(files) > 10
    for path in files:
        text = path.read_bytes().decode("utf-8")  # strict: no surrogate or other invalid byte made it out
        if path.suffix == ".csv":
            text = text.replace("\r\n", "\n")  # the CSV dialect's own line end
        assert not _LEFT_UNSAFE.search(text), (path, _LEFT_UNSAFE.search(text))


def test_csv_rows_read_back(written):
    out, learners = written
    with open(out / "checks.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))[1:]
    assert len(rows) == 4 * len(learners)
    ordered = sorted(learners, key=lambda lr: lr.learner)
    expected = [exports.spreadsheet_cell(c.message) for lr in ordered for c in lr.katas[0].checks]
    assert [row[6] for row in rows] == expected
    assert all(len(cell) <= 32001 for row in rows for cell in row)
    assert not any(row[6][:1] in "=+-@" for row in rows if row[6])  # no formula a spreadsheet would run
    with open(out / "grades.csv", newline="", encoding="utf-8") as file:
        grades = list(csv.reader(file))[2:]  # after the header and the maximum row
    assert len(grades) == len(learners)


def test_grades_json_reads_back_with_safe_text(written):
    out, learners = written
    data = json.loads((out / "grades.json").read_text(encoding="utf-8"), parse_constant=pytest.fail)
    assert len(data["learners"]) == len(learners)
    back = exports.read_grades(out)
    ordered = sorted(learners, key=lambda lr: lr.learner)
    assert [lr.learner for lr in back] == [safe_text(lr.learner) for lr in ordered]
    assert [k.to_dict() for lr in back for k in lr.katas] == [
        _sanitised(k).to_dict() for lr in ordered for k in lr.katas
    ]


def test_lms_files_parse_strictly(written):
    out, learners = written
    config = platforms.PlatformConfig([learners[0].katas[0].kata], "hidden", {})
    for learner in learners:
        for data in (platforms.gradescope_results(learner, config), platforms.prairielearn_results(learner, config)):
            text = json.dumps(data, ensure_ascii=False, allow_nan=False)  # raises on NaN or infinity
            assert not _LEFT_UNSAFE.search(text) and math.isfinite(data["score"])
    with open(out / "prairielearn_scores.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == len(learners) and all(math.isfinite(float(row["score_perc"])) for row in rows)


def test_feedback_fence_cannot_be_closed_from_inside(written):
    out, learners = written
    files = sorted((out / "feedback").glob("*.md"))
    assert len(files) == len(learners)
    for path in files:
        lines = path.read_text(encoding="utf-8").split("\n")
        i, blocks = 2, 0
        while i < len(lines):  # each block: a fence, its text, the first line that starts with the fence
            fence = lines[i]
            assert set(fence) == {"`"} and len(fence) >= 3, path
            close = next(j for j in range(i + 1, len(lines)) if lines[j].startswith(fence))
            assert lines[close] == fence and close > i + 1, path
            i, blocks = close + 2, blocks + 1  # past the blank line between blocks
        assert lines[-2:] == [fence, ""] and blocks >= 2, path  # the scorecard, then every failing check


def test_learner_ids_that_are_no_plain_file_name_are_hashed(written):
    out, _ = written
    names = {p.stem for p in (out / "feedback").glob("*.md")}
    assert "plain-learner" in names
    assert not names & {"", ".", ".."}
    assert sum(name.startswith("learner-") and len(name) == 24 for name in names) >= 5


def test_junit_parses_with_every_failure_and_error_message(written):
    out, learners = written
    root = ET.parse(out / "junit.xml").getroot()
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 4 * len(learners)
    ordered = sorted(learners, key=lambda lr: lr.learner)
    for kind, outcome in (("failure", "failed"), ("error", "timeout")):
        found = [case.find(kind) for case in cases if case.find(kind) is not None]
        want = [exports._xml(c.message) for lr in ordered for c in lr.katas[0].checks if c.outcome == outcome]
        assert [f.text or "" for f in found] == want, kind


def test_junit_with_hostile_text_is_valid_against_the_schema(written):
    xmlschema = pytest.importorskip("xmlschema")
    out, _ = written
    xmlschema.XMLSchema(Path(__file__).with_name("junit.xsd")).validate(out / "junit.xml")


def test_report_escapes_everything_and_shows_protections(written):
    out, _ = written
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("<script>") == 1 and "<script>alert" not in page and "]]><!--" not in page  # only the page's own
    assert "Sandbox protections" in page and "no network: NOT active" in page


def test_scorecard_shows_no_terminal_control(tensors):
    text = render([_kata_result(tensors, "\x1b[2Jgone\r\x1b]0;title\x07", "\x1b[31m\u202e")], Catalog([tensors]), "en")
    assert not _LEFT_UNSAFE.search(text) and "gone" in text


def test_gradebook_round_trips_any_result(tensors, tmp_path):
    book = Gradebook(tmp_path / "gradebook.sqlite")
    try:
        for i, text in enumerate(STRINGS):
            raw = _kata_result(tensors, text, STRINGS[-1 - i])
            key = Key(text[:200], tensors.id, f"hash-{i}", tensors.version)
            book.put(key, raw)  # as it comes: must not raise
            assert book.get(key) == _sanitised(raw)
            clean = _sanitised(raw)
            book.put(key, clean)  # already safe: stored and read back exactly
            assert book.get(key) == clean
    finally:
        book.close()
