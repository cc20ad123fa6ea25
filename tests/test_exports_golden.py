"""Every export, byte for byte, from a fixed hand-built set of results (no grading): grades.csv,
checks.csv, grades.json, skipped.csv, prairielearn_scores.csv, junit.xml, report.html, the feedback
files (en, and zh for one learner), shard.json and the results.json that Gradescope and PrairieLearn
read. The expected files are under tests/golden/exports/; after a deliberate change to a format,
`KATA_UPDATE_GOLDEN=1 python -m pytest tests/test_exports_golden.py` rewrites them (review the diff).

The results hold what exports must survive: a formula-like learner id and message, an id that is no
plain file name, backticks in a message, a non-finite duration, a check that timed out, a kata
not started, dropped files, an inactive protection, Chinese titles."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest

from grader import exports, platforms
from grader.catalog import Catalog, Kata
from grader.results import CheckResult, KataResult, LearnerResult
from grader.submissions import Skipped

GOLDEN = Path(__file__).resolve().parent / "golden" / "exports"
UPDATE = os.environ.get("KATA_UPDATE_GOLDEN") == "1"


def _check(id: str, points: float, outcome: str, message: str = "", duration: float = 0.25) -> CheckResult:
    return CheckResult(
        id,
        f"{id.removeprefix('test_')} works",
        f"{id.removeprefix('test_')} 正确",
        points,
        2.0,
        outcome,
        message,
        duration,
    )


def _kata(kata: str, status: str, checks: list[CheckResult], **fields) -> KataResult:
    return KataResult(
        kata,
        3,
        status,
        fields.pop("status_message", ""),
        checks,
        "cpu",
        "2.13.0",
        fields.pop("duration", 1.5),
        **fields,
    )


def _learners() -> list[LearnerResult]:
    full = [_check("test_create", 2, "passed"), _check("test_reshape", 2, "passed")]
    ada = LearnerResult(
        "ada",
        [
            _kata("alpha", "passed", full, protections={"landlock": True, "network": True}),
            _kata(
                "beta",
                "failed",
                [
                    _check("test_mean", 2, "passed"),
                    _check("test_sum", 0, "failed", "sum(x) has the wrong values; try ```x.sum()``` not =SUM(x)"),
                    _check("test_slow", 0, "timeout", "stopped after 4 s", duration=float("inf")),
                ],
                output="debug: shape (2, 3)\n",
                dropped_files=["notes.txt"],
                protections={"landlock": False},
            ),
        ],
    )
    bo = LearnerResult(
        "=cmd|' /C calc'!A0",
        [
            _kata(
                "alpha",
                "timeout",
                [_check("test_create", 0, "timeout", ""), _check("test_reshape", 0, "timeout")],
                status_message="ran past the time limit (15 s) and was stopped",
            ),
            _kata(
                "beta",
                "not-started",
                [_check(c, 0, "not-started") for c in ("test_mean", "test_sum", "test_slow")],
                status_message="not started yet",
                duration=0.0,
            ),
        ],
    )
    eve = LearnerResult(
        "../eve",
        [
            _kata(
                "alpha",
                "error",
                [_check("test_create", 0, "error"), _check("test_reshape", 0, "error")],
                status_message="SyntaxError: invalid syntax (at tensors.py:3)",
            )
        ],
    )
    return [bo, eve, ada]  # unsorted: every writer sorts by learner id


def _catalog(tensors: Kata) -> Catalog:
    return Catalog(
        [
            dataclasses.replace(tensors, id="alpha", order=1, title={"en": "Alpha tensors", "zh": "阿尔法张量"}),
            dataclasses.replace(tensors, id="beta", order=2, title={"en": "Beta losses", "zh": "贝塔损失"}),
        ]
    )


def _write_every_export(out: Path, tensors: Kata) -> None:
    learners = _learners()
    catalog = _catalog(tensors)
    roster = {"ada": {"name": "Ada L.", "email": "ada@example.org"}, "../eve": {"name": "+Eve"}}
    course = exports.CourseColumns({"ada": {"late_days": "1", "final": "7.5"}}, final_max="14")
    skipped = [Skipped("stray.txt", "not a submission"), Skipped("a.zip", "-unsafe path ../x")]
    exports.write_all(out, learners, catalog, "en", skipped, roster=roster, course=course)
    exports.write_shard(out, 1, 2, [lr.learner for lr in learners], ["alpha", "beta"])
    ada = next(lr for lr in learners if lr.learner == "ada")
    (out / "feedback-zh").mkdir()
    (out / "feedback-zh" / "ada.md").write_text(exports.feedback_markdown(ada, catalog, "zh"), encoding="utf-8")
    config = platforms.PlatformConfig(["alpha", "beta"], "visible", {"beta/test_slow": "hidden"}, 60.0, 2048)
    for name, results in (
        ("gradescope", platforms.gradescope_results),
        ("prairielearn", platforms.prairielearn_results),
    ):
        text = json.dumps(results(ada, config), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        (out / f"{name}-results.json").write_text(text, encoding="utf-8")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def written(tmp_path_factory, tensors: Kata) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("exports")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLUMNS", "100")  # the scorecard inside feedback files fits the terminal
        _write_every_export(out, tensors)
    if UPDATE:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(out, GOLDEN)
    return _files(out)


def test_every_export_has_a_golden_file_and_no_golden_file_is_stale(written: dict[str, bytes]):
    assert sorted(written) == sorted(_files(GOLDEN)), "run with KATA_UPDATE_GOLDEN=1 after adding an export"


@pytest.mark.parametrize("name", sorted(_files(GOLDEN)) if GOLDEN.is_dir() else [])
def test_export_matches_its_golden_file(written: dict[str, bytes], name: str):
    assert name in written, f"{name} was not written"
    got, want = written[name].decode("utf-8"), (GOLDEN / name).read_bytes().decode("utf-8")  # CRLF kept
    assert got == want, f"{name} differs from tests/golden/exports/{name} (KATA_UPDATE_GOLDEN=1 rewrites it)"


def test_the_golden_files_hold_what_they_are_meant_to(written: dict[str, bytes]):
    """The fixture exercises what it claims: a sanity check on the golden set itself."""
    grades = written["grades.csv"].decode()
    assert "\n'=cmd|' /C calc'!A0," in grades and ",'+Eve," in grades  # formulas kept as text
    assert any(name.startswith("feedback/learner-") for name in written)  # "../eve" under a hash
    assert "````" in written["feedback/ada.md"].decode()  # a fence longer than the message's backticks
    assert "贝塔损失" in written["feedback-zh/ada.md"].decode()
    assert b"Infinity" not in written["grades.json"] and b"NaN" not in written["grades.json"]
