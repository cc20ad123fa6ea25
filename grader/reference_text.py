"""A reference solution's text in one language, for `kata solution --lang`.

A reference carries its "why" comments in both languages: each English comment is directly followed
by its Chinese translation, comment lines whose text holds CJK characters. A full-line English comment
(or a block of them) is followed by Chinese comment lines; a trailing comment (`code  # why`) by
Chinese comment lines right under its code line. `in_language` keeps one language:
- "en": the Chinese lines that translate a comment go;
- "zh": the English full-line comments that have a translation go, and a translated trailing comment
  is replaced, on its code line, by its Chinese text.
Code never changes and docstrings stay bilingual, as in the stub. A comment without a translation
(or a Chinese one without English) stays in both; `untranslated` lists the English ones, so a check
can refuse a reference whose author forgot one. Comments are found with `tokenize`, so a `#` inside
a string is never mistaken for one.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

from grader.catalog import LANGUAGES, Kata

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Tool directives, not prose: they need no translation and must stay as they are.
_PRAGMA = re.compile(r"^(noqa|type:|pragma|fmt:|ruff:|pyright:|mypy:)")


@dataclass(frozen=True)
class Comment:
    line: int  # 1-based
    column: int  # where its `#` is
    text: str  # after the `#`, stripped
    full_line: bool  # nothing but this comment on its line

    @property
    def chinese(self) -> bool:
        return bool(_CJK.search(self.text))

    @property
    def prose(self) -> bool:
        """An explanation written for a reader (not a tool directive, not an empty `#`)."""
        return bool(self.text) and not _PRAGMA.match(self.text)


@dataclass(frozen=True)
class Translation:
    """An English comment (one trailing comment, or a run of full-line ones) and the Chinese comment
    lines right after it (none: untranslated)."""

    english: tuple[Comment, ...]
    chinese: tuple[Comment, ...]

    @property
    def trailing(self) -> bool:
        return not self.english[0].full_line


def comments(source: str) -> list[Comment]:
    """Every comment of `source`, in order."""
    lines = source.splitlines()
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, column = token.start
            full_line = not lines[row - 1][:column].strip()
            found.append(Comment(row, column, token.string[1:].strip(), full_line))
    return found


def translations(source: str) -> list[Translation]:
    """Each English prose comment of `source` with the Chinese lines that translate it."""
    found = comments(source)
    result = []
    i = 0
    while i < len(found):
        first = found[i]
        if first.chinese or not first.prose:
            i += 1
            continue
        english = [first]
        i += 1
        if first.full_line:  # a block: the following full-line English comments on the next lines
            while i < len(found) and _next_line(found[i], english[-1]) and found[i].prose and not found[i].chinese:
                english.append(found[i])
                i += 1
        chinese = []
        while i < len(found) and _next_line(found[i], (chinese or english)[-1]) and found[i].chinese:
            chinese.append(found[i])
            i += 1
        result.append(Translation(tuple(english), tuple(chinese)))
    return result


def _next_line(comment: Comment, previous: Comment) -> bool:
    """`comment` is a full-line comment on the line right after `previous`."""
    return comment.full_line and comment.line == previous.line + 1


def untranslated(source: str) -> list[Comment]:
    """The English comments of `source` that no Chinese comment line follows (the first line of each)."""
    return [t.english[0] for t in translations(source) if not t.chinese]


def in_language(source: str, lang: str) -> str:
    """`source` with its comments in `lang` ("en" or "zh") only; see the module docstring."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    lines = source.splitlines(keepends=True)
    dropped: set[int] = set()  # 1-based line numbers
    for translation in translations(source):
        if not translation.chinese:
            continue
        if lang == "en":
            dropped.update(c.line for c in translation.chinese)
        elif translation.trailing:
            comment = translation.english[0]
            line = lines[comment.line - 1]
            ending = line[len(line.rstrip("\r\n")) :]
            chinese = "".join(c.text for c in translation.chinese)
            lines[comment.line - 1] = f"{line[: comment.column].rstrip()}  # {chinese}{ending}"
            dropped.update(c.line for c in translation.chinese)
        else:
            dropped.update(c.line for c in translation.english)
    return "".join(line for number, line in enumerate(lines, 1) if number not in dropped)


def reference_source(kata: Kata, name: str, lang: str) -> str:
    """The text of the kata's reference file `name` (one of kata.files) with its comments in `lang`."""
    path: Path = kata.reference / name
    return in_language(path.read_text(encoding="utf-8"), lang)
