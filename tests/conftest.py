"""Shared fixtures: the built-in catalog, the tensors kata and a warm worker for engine tests."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from grader.catalog import Kata, builtin_roots, load_kata


@pytest.fixture(scope="session")
def tensors() -> Kata:
    # Short limits keep the hang tests fast; with room for a loaded machine (checks take well under a second).
    katas_root, reference_root = builtin_roots()
    return dataclasses.replace(load_kata(katas_root / "01-tensors", reference_root), timeout=15.0, check_timeout=4.0)


@pytest.fixture(scope="session")
def worker(tensors: Kata):
    from grader.worker import Worker

    return Worker([tensors])


@pytest.fixture
def make_submission(tmp_path: Path, tensors: Kata):
    """A solution folder whose tensors.py is the reference plus `extra` code, or `source` verbatim."""

    def make(extra: str = "", source: str | None = None, name: str = "sub") -> Path:
        folder = tmp_path / name
        folder.mkdir()
        text = source if source is not None else (tensors.reference / "tensors.py").read_text() + "\n" + extra
        (folder / "tensors.py").write_text(text)
        return folder

    return make


@pytest.fixture
def forked_zygote(monkeypatch):
    """A Worker made in the test forks its zygote from this process, so the test's patches reach it,
    even after earlier tests loaded judge code here (a Worker then starts a fresh interpreter)."""
    from grader import worker

    monkeypatch.setattr(worker, "judge_code_loaded", lambda: False)
