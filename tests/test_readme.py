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


ZH_README = (Path(__file__).resolve().parents[1] / "README.zh.md").read_text(encoding="utf-8")
LEARNER_COMMANDS = ("list", "start", "grade", "hint", "reset", "solution", "watch", "notebook", "doctor")


def test_the_chinese_readme_holds_what_a_learner_needs():
    """A Chinese learner reads README.zh.md only: every learner command and the Jupyter section are there,
    and README.md's sections are English (a Chinese one there is missed by both readers)."""
    import re

    for name in LEARNER_COMMANDS:
        assert re.search(rf"kata (--lang zh )?{name}\b", ZH_README), f"README.zh.md lacks `kata {name}`"
    assert "## 在 Jupyter 中练习" in ZH_README and "%kata grade" in ZH_README
    headings = [line for line in README.splitlines() if line.startswith("#")]
    assert not [h for h in headings if re.search(r"[\u4e00-\u9fff]", h)], headings
