"""`kata verify` holds for every built-in kata: reference full marks, stub fails every check,
every known mistake fails the checks it names."""

from __future__ import annotations

import pytest

from grader.catalog import Catalog
from grader.verify import verify

KATAS = Catalog.load().katas


@pytest.mark.parametrize("kata", KATAS, ids=[k.id for k in KATAS])
def test_kata_verifies(kata):
    [verdict] = verify([kata])
    assert verdict.ok, "\n".join(verdict.problems)
    assert verdict.checks >= 4
    assert len(kata.mistakes) >= 3
