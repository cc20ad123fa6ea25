"""The terminal Markdown renderer: what a learner sees of a kata's README in `kata start` and `kata watch`."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest

from grader.i18n import width
from grader.terminal_markdown import Look, render

KATAS = Path(__file__).resolve().parents[1] / "katas"
READMES = sorted(KATAS.glob("*/README*.md"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TTY = Look(ansi=True, colour=True)


def _columns_of(line: str, text: str) -> int:
    """The terminal column where `text` starts in `line`."""
    return width(line[: line.index(text)])


def test_headings_lose_their_hashes_and_are_underlined_without_a_terminal():
    out = render("# Kata 1 · Tensors\n\nText.\n\n## What you learn\n\n### Small\n", 80).splitlines()
    assert out[:2] == ["Kata 1 · Tensors", "═" * width("Kata 1 · Tensors")]
    assert out[5:7] == ["What you learn", "─" * width("What you learn")]
    assert out[8] == "Small" and "#" not in "\n".join(out)


def test_headings_are_bold_on_a_terminal_without_an_underline():
    out = render("# 练习 1 · 张量\n\n## 你将学到\n", 80, TTY)
    assert "\x1b[1;4m练习 1 · 张量\x1b[0m" in out and "\x1b[1m你将学到\x1b[0m" in out
    assert "═" not in out and "─" not in out


def test_a_setext_heading():
    assert render("Title\n=====\n\nSection\n-------\n", 80).splitlines() == ["Title", "═════", "", "Section", "───────"]


def test_a_code_fence_is_indented_without_its_fences_and_never_wrapped():
    long = "x = " + " + ".join(["value"] * 30)
    out = render(f"Run:\n\n```python\nkata grade tensors\n\n{long}\n```\n\nAfter.", 40)
    assert out.splitlines() == ["Run:", "", "    kata grade tensors", "", "    " + long, "", "After."]


def test_inline_markers_go_and_their_meaning_stays_on_a_terminal():
    source = "gradients **accumulate** in `.grad`: *clear* them, see [the docs](https://pytorch.org) or <https://x.y>"
    plain = render(source, 200)
    assert plain == "gradients accumulate in .grad: clear them, see the docs (https://pytorch.org) or https://x.y"
    styled = render(source, 200, TTY)
    assert "\x1b[1maccumulate\x1b[0m" in styled and "\x1b[36m.grad\x1b[0m" in styled and "\x1b[3mclear\x1b[0m" in styled
    assert ANSI.sub("", styled) == plain


def test_no_colour_keeps_bold_but_drops_the_colour_of_code():
    out = render("**bold** and `code`", 80, Look(ansi=True, colour=False))
    assert out == "\x1b[1mbold\x1b[0m and code"


def test_underscores_in_names_are_not_emphasis_and_escapes_are_honoured():
    assert render(r"clear the gradients (zero_grad) with requires_grad \*not\* x", 80) == (
        "clear the gradients (zero_grad) with requires_grad *not* x"
    )


def test_chinese_bold_between_characters():
    assert render("参数**和缓冲区**（例如 BatchNorm）", 80, TTY) == "参数\x1b[1m和缓冲区\x1b[0m（例如 BatchNorm）"


def test_lists_get_bullets_and_aligned_numbers_with_hanging_indents():
    source = (
        "- one\n- two, which is long enough to wrap onto a second line here\n\n"
        "9. nine\n10. ten, which is long enough to wrap onto a second line here\n   lazily continued\n"
    )
    out = render(source, 40).splitlines()
    assert out[0] == "  • one" and out[1].startswith("  • two,") and out[2].startswith("    ") and out[2][4] != " "
    nine, ten = out[out.index("   9. nine")], next(line for line in out if line.startswith("  10."))
    assert _columns_of(nine, "nine") == _columns_of(ten, "ten") == 6
    assert "lazily" in " ".join(out) and all(line.startswith("      ") for line in out[out.index(ten) + 1 :])


def test_a_nested_list_is_indented_under_its_item():
    out = render("1. outer\n   - inner\n2. next\n", 80).splitlines()
    assert out == ["  1. outer", "       • inner", "  2. next"]


def test_a_table_aligns_chinese_cells_by_their_terminal_width():
    source = (
        "| kata | 标题 | points |\n|---|---|--:|\n| tensors | 张量（Tensor） | 10 |\n| mnist | MNIST：综合实战 | 7 |\n"
    )
    out = render(source, 80).splitlines()
    assert "|" not in "\n".join(out) and out[1].replace(" ", "").strip("─") == ""
    header, *rows = [line for n, line in enumerate(out) if n != 1]
    assert {_columns_of(line, word) for line, word in zip([header, *rows], ["标题", "张量", "MNIST："])} == {
        _columns_of(header, "标题")
    }
    assert {width(line) for line in [header, *rows]} == {width(out[1])}  # right-aligned last column ends together
    assert rows[1].endswith(" 7")


def test_a_table_wider_than_the_screen_wraps_its_cells_and_stays_aligned():
    source = "| a | b |\n|---|---|\n| short | " + "很长的说明文字" * 8 + " |\n"
    out = render(source, 40).splitlines()
    assert all(width(line) <= 40 for line in out) and len(out) > 3
    assert len({_columns_of(line, line.split()[-1]) for line in out[2:] if line.strip()}) == 1


@pytest.mark.parametrize("columns", [30, 80])
def test_english_wraps_at_spaces_within_the_width(columns: int):
    words = ("Every function that computes from tensors keeps the result in the autograd graph " * 4).split()
    out = render(" ".join(words), columns).splitlines()
    assert all(width(line) <= columns for line in out) and " ".join(out).split() == words
    assert all(width(a) + 1 + len(b.split()[0]) > columns for a, b in zip(out, out[1:]))  # each line is full


def test_chinese_wraps_between_characters_but_not_before_closing_punctuation():
    text = "每个基于张量计算的函数都要让结果留在计算图中，当输入需要梯度时，结果的梯度要能传回输入。" * 3
    out = render(text, 21).splitlines()
    assert "".join(out) == text and all(width(line) <= 21 for line in out)
    assert all(line[0] not in "，。、）" for line in out)
    assert all(width(line) >= 18 for line in out[:-1])  # filled, not broken at the few spaces


def test_a_source_line_break_between_chinese_characters_adds_no_space():
    assert render("两种都接受）。\n任意批大小，\nfloat32 或 float64\nwith English", 80) == (
        "两种都接受）。任意批大小，float32 或 float64 with English"
    )


def test_a_short_code_span_stays_on_one_line():
    out = render("Stuck? Run " + "x " * 30 + "then `kata hint tensors` again.", 70).splitlines()
    assert any("kata hint tensors" in line for line in out)


def test_look_follows_the_stream_and_no_color(monkeypatch: pytest.MonkeyPatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert Look.of(io.StringIO()) == Look(ansi=False, colour=False)
    assert Look.of(Terminal()) == Look(ansi=True, colour=True)
    monkeypatch.setenv("NO_COLOR", "1")
    assert Look.of(Terminal()) == Look(ansi=True, colour=False)
    monkeypatch.setenv("TERM", "dumb")
    assert Look.of(Terminal()) == Look(ansi=False, colour=False)


@pytest.mark.parametrize("readme", READMES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_readme_renders_whole_without_markers_within_80_columns(readme: Path):
    source = readme.read_text(encoding="utf-8")
    out = render(source, 80)
    prose = [line for line in out.splitlines() if not line.startswith("    ") or line.lstrip()[:1] in "•0123456789"]
    assert all(width(line) <= 80 for line in prose)
    assert not re.search(r"^#|`|\*\*|^\s*[-*] ", out, re.MULTILINE)
    fences = re.findall(r"^```(\w+)", source, re.MULTILINE)  # a fence's language is not shown
    markers = set("`*#_-|>\\•═─ \n")
    shown, written = Counter(c for c in out if c not in markers), Counter(c for c in source if c not in markers)
    assert written - shown == Counter("".join(fences)) and shown - written <= Counter("0123456789.")
