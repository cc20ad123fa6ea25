"""A reference's comments in one language: every kata's comments are translated, and filtering them
keeps the code (and the docstrings) exactly as they are."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from grader.catalog import Catalog, Kata
from grader.reference_text import comments, in_language, reference_source, untranslated

KATAS = list(Catalog.load())
SAMPLE = '''"""Module docstring.
模块文档字符串。"""
import torch  # noqa: F401


def f(x):
    # Why one:
    # it takes two lines.
    # 原因一：
    # 占两行。
    y = x + 1  # why two
    # 原因二
    s = "# not a comment"
    # why three, untranslated
    return y, s
'''


def _files(kata: Kata, folder: Path) -> list[Path]:
    return [folder / name for name in kata.files]


@pytest.mark.parametrize("kata", KATAS, ids=lambda k: k.id)
def test_every_comment_of_the_reference_and_the_stub_has_its_chinese_line(kata: Kata):
    for path in _files(kata, kata.reference) + _files(kata, kata.stub):
        missing = untranslated(path.read_text(encoding="utf-8"))
        assert not missing, f"{path}: English comments without a Chinese line right after them: " + "; ".join(
            f"line {c.line}: # {c.text}" for c in missing
        )


@pytest.mark.parametrize("kata", KATAS, ids=lambda k: k.id)
def test_every_hint_and_careful_note_of_a_docstring_has_its_chinese_line(kata: Kata):
    for path in _files(kata, kata.reference) + _files(kata, kata.stub):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node):
                lines = [line.strip() for line in ast.get_docstring(node).splitlines()]
                for english, chinese in (("Hint:", "提示："), ("Careful:", "注意：")):
                    count = sum(line.startswith(english) for line in lines)
                    assert count == sum(line.startswith(chinese) for line in lines), (
                        f"{path}: {getattr(node, 'name', 'module')}'s docstring has {count} {english} line(s) "
                        f"but not as many {chinese} lines"
                    )


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kata", KATAS, ids=lambda k: k.id)
def test_a_reference_in_one_language_is_the_same_program_with_comments_in_that_language(kata: Kata, lang: str):
    for name in kata.files:
        original = (kata.reference / name).read_text(encoding="utf-8")
        text = reference_source(kata, name, lang)
        # The same program, docstrings (bilingual, as in the stub) included.
        assert ast.dump(ast.parse(text)) == ast.dump(ast.parse(original)), name
        prose = [c for c in comments(text) if c.prose]
        assert prose and all(c.chinese == (lang == "zh") for c in prose), [c.text for c in prose]


def test_english_keeps_english_comments_and_drops_their_chinese_lines():
    text = in_language(SAMPLE, "en")
    assert "# Why one:\n    # it takes two lines.\n    y = x + 1  # why two\n    s =" in text
    assert "原因" not in text and "模块文档字符串" in text and "# noqa: F401" in text
    assert "# why three, untranslated" in text


def test_chinese_keeps_chinese_comments_and_puts_a_trailing_ones_on_its_code_line():
    text = in_language(SAMPLE, "zh")
    assert "    # 原因一：\n    # 占两行。\n    y = x + 1  # 原因二\n    s =" in text
    assert "Why one" not in text and "why two" not in text and "# noqa: F401" in text
    assert '"# not a comment"' in text and "# why three, untranslated" in text  # nothing to put instead
    assert ast.dump(ast.parse(text)) == ast.dump(ast.parse(SAMPLE))


def test_untranslated_names_each_english_comment_without_a_chinese_line():
    missing = untranslated(SAMPLE)
    assert [(c.line, c.text) for c in missing] == [(14, "why three, untranslated")]
    # A Chinese line must come right after: a blank line in between does not count.
    assert [c.text for c in untranslated("x = 1  # why\n\n# 原因\n")] == ["why"]


def test_windows_line_endings_are_kept():
    source = "x = 1  # why\r\n# 原因\r\ny = 2\r\n"
    assert in_language(source, "zh") == "x = 1  # 原因\r\ny = 2\r\n"
    assert in_language(source, "en") == "x = 1  # why\r\ny = 2\r\n"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        in_language(SAMPLE, "fr")
