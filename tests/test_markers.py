"""Check markers: points(n) sets the weight; a check for another kind of device is skipped with its
reason and counts for nothing, not as a failure."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader.catalog import Catalog
from grader.runner import grade
from grader.worker import Worker

KATA_TOML = """
id = "marks"
order = 1
files = ["marks.py"]
[title]
en = "Markers"
zh = "标记"
[summary]
en = "markers"
zh = "标记"
[hints]
en = ["one"]
zh = ["一"]
"""

JUDGE = '''
import pytest


@pytest.mark.points(3)
def test_weighted(rng):
    """a weighted check
    加权检查"""
    seen = yield None
    assert seen == 42, "answer() should be 42"


@pytest.mark.accelerator_only
def test_on_accelerator():
    """only on an accelerator
    仅在加速器上"""
    yield None
    assert False, "never judged on the CPU"


@pytest.mark.cpu_only
def test_on_cpu():
    """only on the CPU
    仅在 CPU 上"""
    seen = yield None
    assert seen == 42, "answer() should be 42"
'''

EXERCISE = """
def test_weighted(solution, device):
    return solution.answer()


def test_on_accelerator(solution):
    return solution.answer()


def test_on_cpu(solution):
    return solution.answer()
"""


def _pack(tmp_path: Path) -> Path:
    kata = tmp_path / "katas" / "01-marks"
    (kata / "checks").mkdir(parents=True)
    (kata / "stub").mkdir()
    (kata / "kata.toml").write_text(KATA_TOML, encoding="utf-8")
    (kata / "checks" / "test_marks.py").write_text(textwrap.dedent(JUDGE), encoding="utf-8")
    (kata / "checks" / "exercise_marks.py").write_text(textwrap.dedent(EXERCISE), encoding="utf-8")
    (kata / "stub" / "marks.py").write_text("def answer():\n    raise NotImplementedError('exercise 1: answer')\n")
    reference = tmp_path / "reference" / "01-marks"
    reference.mkdir(parents=True)
    (reference / "marks.py").write_text("def answer():\n    return 42\n")
    return tmp_path / "katas"


@pytest.mark.slow
def test_points_and_device_markers(tmp_path: Path):
    kata = Catalog.load(_pack(tmp_path)).get("marks")
    worker = Worker([kata])
    result = grade(kata, kata.reference, worker=worker)
    by_id = {c.id: c for c in result.checks}
    assert by_id["test_weighted"].points == by_id["test_weighted"].max_points == 3
    skipped = by_id["test_on_accelerator"]
    assert skipped.outcome == "skipped" and "needs an accelerator" in skipped.message and skipped.max_points == 0
    assert result.status == "passed" and result.points == result.max_points == 4

    stub = grade(kata, kata.stub, worker=worker)
    assert stub.points == 0 and stub.status == "failed"
    assert {c.id: c.outcome for c in stub.checks}["test_on_accelerator"] == "skipped"
