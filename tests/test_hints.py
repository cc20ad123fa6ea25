"""Hints per exercise: `kata hint` shows hints for the exercise of the first failing check, so every
built-in kata has a ladder for each exercise of its stub, and each of its checks picks one."""

from __future__ import annotations

import re

import pytest

from grader.catalog import Catalog
from grader.judge import load_checks

_EXERCISE_MARKER = re.compile(r"""NotImplementedError\(\s*["']exercise (\d+):""")


@pytest.mark.parametrize("kata", Catalog.load().katas, ids=lambda k: k.id)
def test_every_exercise_has_its_own_hints_and_every_check_leads_to_some(kata):
    exercises = {
        int(n) for name in kata.files for n in _EXERCISE_MARKER.findall((kata.stub / name).read_text(encoding="utf-8"))
    }
    assert exercises and {e.exercise for e in kata.exercise_hints} == exercises
    for ladder in kata.exercise_hints:
        assert 2 <= len(ladder.hints["en"]) == len(ladder.hints["zh"]), f"exercise {ladder.exercise}"
    unled = [c.id for c in load_checks(kata) if kata.hints_for(c.id) is None]
    assert unled == [], f"checks in no [[hints.exercises]] ladder: {unled}"
