"""docs/AUTHORING.md's check example is what an author copies: with the exercise example beside it,
it must load as a kata's checks and pass what `kata verify` asks of a check file."""

from __future__ import annotations

import re
from pathlib import Path

from grader.catalog import Catalog
from grader.authoring import exercise_problems, fixed_input_problems, marker_problems, yield_problems

DOC = Path(__file__).resolve().parents[1] / "docs" / "AUTHORING.md"


def _block_after(marker: str) -> str:
    """The first ```python block after the line that starts with `marker`."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(marker)
    return re.search(r"```python\n(.*?)```", text[start:], re.S).group(1)


def test_the_judge_and_exercise_examples_form_a_sound_check(tmp_path: Path):
    kata = tmp_path / "katas" / "01-linear"
    (kata / "checks").mkdir(parents=True)
    (kata / "kata.toml").write_text(
        'files = ["linear.py"]\n[title]\nen = "Linear"\nzh = "线性"\n[summary]\nen = "Linear"\nzh = "线性"\n'
        '[hints]\nen = ["x @ w.T + b"]\nzh = ["x @ w.T + b"]\n',
        encoding="utf-8",
    )
    (kata / "checks" / "test_linear.py").write_text(_block_after("`checks/test_<id>.py`, the judge half"))
    (kata / "checks" / "exercise_linear.py").write_text(_block_after("`checks/exercise_<id>.py`, the exercise half"))
    [loaded] = Catalog.load(tmp_path / "katas").katas
    assert yield_problems(loaded) == [] and exercise_problems(loaded) == [] and marker_problems(loaded) == []
    assert fixed_input_problems(loaded) == []  # loads the judge: its imports are all there
