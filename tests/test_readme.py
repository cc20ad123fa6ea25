"""The README stays true: every kata is in its table, every CLI verb in its reference."""

from __future__ import annotations

from pathlib import Path

from grader.catalog import Catalog
from grader.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_kata_is_in_the_table():
    for kata in Catalog.load():
        assert f"| {kata.order} | `{kata.id}` |" in README, f"README's kata table lacks {kata.id}"


def test_every_command_is_documented():
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"`kata {name}" in README, f"README's command reference lacks `kata {name}`"


def test_the_test_command_is_what_ci_runs():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest -q" in README and ci.rstrip().endswith("python -m pytest -q")
