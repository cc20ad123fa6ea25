"""The scorecard in a terminal: long lines are broken to its width under their own indentation, in
English and in Chinese, and nothing of the message is lost; in a pipe, lines stay whole."""

from __future__ import annotations

import pytest

from grader.catalog import Catalog
from grader.i18n import width
from grader.results import CheckResult, KataResult
from grader.scorecard import render

ENGLISH = (
    "linear_forward(x (4, 3), w (5, 3), b (5,), torch.float32) has the wrong values: 20 of 20 differ; at "
    "index (0, 0) expected 1.25, got -0.5. The product is x @ w.T, then add b (it broadcasts over the rows)"
)
CHINESE = (
    "linear_forward(x (4, 3), w (5, 3), b (5,), torch.float32) 的数值不对：20 个中有 20 个不同；在下标 (0, 0) "
    "处应为 1.25，实际是 -0.5。先算 x @ w.T，再加上 b（它会沿着每一行广播），不要原地修改输入张量"
)


@pytest.fixture
def failing() -> KataResult:
    check = CheckResult("test_linear_forward", "t", "线性层", 0, 2, "failed", ENGLISH, 0.1, CHINESE)
    return KataResult("tensors", 1, "failed", "1 of 1 checks failed", [check], "cpu", "2.13")


@pytest.mark.parametrize("lang, message", [("en", ENGLISH), ("zh", CHINESE)])
def test_a_terminal_gets_lines_that_fit_under_their_indentation(failing, lang: str, message: str):
    lines = render([failing], Catalog.load(), lang, columns=60).splitlines()
    assert max(width(line) for line in lines) <= 60
    start = next(i for i, line in enumerate(lines) if line.startswith("    "))
    shown = [line for line in lines[start:] if line.startswith("    ")]
    assert len(shown) >= 3
    separator = " " if lang == "en" else ""
    joined = separator.join(line[4:] for line in shown)
    assert joined.replace(" ", "") == message.replace(" ", "")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_load_error_is_said_once_not_again_under_the_first_check(lang: str):
    why = "tensors.py has a syntax error at line 113: invalid syntax"
    checks = [CheckResult(f"test_{n}", "t", "t", 0, 1, "error", why) for n in range(3)]
    broken = KataResult("tensors", 1, "error", why, checks, "cpu", "2.13")
    shown = render([broken], Catalog.load(), lang)
    assert shown.count("113") == 1, shown  # the reason, then the first failing check's title only
    other = KataResult("tensors", 1, "error", why, [CheckResult("test_0", "t", "t", 0, 1, "error", "other")], "", "")
    assert "other" in render([other], Catalog.load(), lang)  # a check's own different message stays


def test_a_pipe_gets_each_message_line_whole(failing, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    assert f"    {ENGLISH}" in render([failing], Catalog.load(), "en").splitlines()


def test_a_hint_folds_under_its_heading_on_a_terminal_and_stays_whole_in_a_pipe():
    from grader.workspace import Hint

    hint = Hint(1, 3, CHINESE, 3)
    folded = hint.shown("tensors", "zh", 40).splitlines()
    assert folded[0] == "tensors 第 3 小题的提示 1/3："
    assert all(line.startswith("  ") and width(line) <= 40 for line in folded[1:]) and len(folded) > 3
    assert "".join(line[2:] for line in folded[1:]).replace(" ", "") == CHINESE.replace(" ", "")
    assert hint.shown("tensors", "zh", None).splitlines()[1] == f"  {CHINESE}"
