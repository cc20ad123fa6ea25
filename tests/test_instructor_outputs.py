"""What `kata batch` writes for the instructor, beyond each format (test_exports_golden.py): feedback
files that no other learner's can replace on a case-insensitive disk, and exports that a batch stopped
while writing them leaves whole."""

from __future__ import annotations

import dataclasses
import re

import pytest

from grader import exports
from grader.catalog import Catalog, Kata
from grader.results import CheckResult, KataResult, LearnerResult


def _learner(name: str, points: float) -> LearnerResult:
    check = CheckResult("test_create", "create works", "创建正确", points, 2.0, "passed" if points else "failed")
    return LearnerResult(name, [KataResult("alpha", 3, "passed" if points else "failed", "", [check], "cpu", "2.13")])


@pytest.fixture
def catalog(tensors: Kata) -> Catalog:
    return Catalog([dataclasses.replace(tensors, id="alpha", title={"en": "Alpha", "zh": "阿尔法"})])


def test_learner_ids_one_case_insensitive_disk_would_confuse_get_their_own_feedback_file(tmp_path, catalog):
    # copied to macOS or Windows, feedback/Alice.md and feedback/alice.md are one file: a learner
    # would read another's feedback. José written in two Unicode normal forms is the same case.
    learners = [_learner("Alice", 0), _learner("alice", 2), _learner("Jos\u00e9", 2), _learner("Jose\u0301", 0)]
    learners.append(_learner("bob", 2))
    exports.write_all(tmp_path, learners, catalog, "en", [])
    files = sorted(p.name for p in (tmp_path / "feedback").iterdir())
    assert len(files) == 5 and len({exports._folded(name) for name in files}) == 5
    assert "bob.md" in files  # a plain id keeps its name
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    for learner in learners:
        link = re.search(rf'<a href="(feedback/[^"]+)">{learner.learner}</a>', page)
        assert link, learner.learner
        text = (tmp_path / link[1].replace("%20", " ")).read_text(encoding="utf-8")
        assert text.startswith(f"# {learner.learner}\n")


def test_a_batch_stopped_while_writing_exports_leaves_the_earlier_ones_whole(tmp_path, catalog, monkeypatch):
    learners = [_learner(f"learner-{n:02d}", 2) for n in range(20)]
    exports.write_all(tmp_path, learners, catalog, "en", [])
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    feedback_before = sorted(p.name for p in (tmp_path / "feedback").iterdir())
    calls = 0
    real = exports._num

    def interrupted(value: float) -> str:  # Ctrl-C halfway through grades.csv's rows
        nonlocal calls
        calls += 1
        if calls == 25:
            raise KeyboardInterrupt
        return real(value)

    monkeypatch.setattr(exports, "_num", interrupted)
    with pytest.raises(KeyboardInterrupt):
        exports.write_all(tmp_path, [_learner(f"learner-{n:02d}", 0) for n in range(20)], catalog, "en", [])
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before  # nothing half-written, and no partial file left beside them
    assert sorted(p.name for p in (tmp_path / "feedback").iterdir()) == feedback_before


def test_the_report_fits_a_narrow_window(tmp_path, catalog):
    # a phone or a half-screen window: the page is laid out for its width and the wide tables scroll
    # sideways inside the page instead of running off its edge (seen in headless Chromium at 400 px)
    exports.write_all(tmp_path, [_learner("张三", 2)], catalog, "en", [])
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "div.wide{overflow-x:auto}" in page
    assert page.count('<div class="wide"><table') == page.count("<table") == 2


def test_checks_failed_most_count_wrong_answers_not_katas_stopped_whole(tmp_path, catalog):
    # one learner's timeout at import made every check "failing" with the timeout's message, above
    # the check the class really gets wrong
    def kata(status: str, outcomes: dict[str, str], message: str) -> KataResult:
        checks = [CheckResult(c, f"{c} works", f"{c} 正确", 0.0, 1.0, o, message) for c, o in outcomes.items()]
        return KataResult("alpha", 3, status, "", checks, "cpu", "2.13")

    learners = [
        LearnerResult("ann", [kata("failed", {"test_a": "passed", "test_b": "failed"}, "b is wrong")]),
        LearnerResult("bo", [kata("failed", {"test_a": "passed", "test_b": "failed"}, "b is wrong")]),
        LearnerResult("cy", [kata("timeout", {"test_a": "timeout", "test_b": "timeout"}, "did not finish importing")]),
    ]
    exports.write_all(tmp_path, learners, catalog, "en", [])
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    table = page.split("<h2>Checks failed most", 1)[1].split("</table>", 1)[0]
    assert re.findall(r"<tr><td>alpha</td><td>([^<]*)</td><td class=\"n\">([^<]*)</td><td>([^<]*)</td>", table) == [
        ("test_b works", "2 of 2", "b is wrong")
    ]
