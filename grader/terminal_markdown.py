"""Markdown for a terminal: a kata's README as `kata start` and `kata watch` show it.

It renders the Markdown our READMEs use and no more: ATX and setext headings, paragraphs, `-`/`*`/`+`
and numbered lists (nested), fenced and indented code, pipe tables, block quotes, rules, and inline
**bold**, *emphasis*, `code`, [links](url) and backslash escapes. HTML and reference-style links pass
through as text. Text is measured in terminal columns (a CJK character takes two): paragraphs wrap at
spaces and, in Chinese, between any two characters except before closing or after opening
punctuation; a line break in the source between two Chinese characters joins them without a space.

Markers never reach the screen. On a terminal (`Look.of(stream)`) headings and **bold** are bold,
*emphasis* italic and code coloured (not under NO_COLOR); anywhere else (a pipe, a file, a notebook)
the text is plain and top headings are underlined with ═ and ─.
"""

from __future__ import annotations

import enum
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator, NamedTuple, TextIO

from grader.i18n import terminal_columns, width

MAX_COLUMNS = 100  # long lines read badly, however wide the terminal


class Style(enum.Flag):
    PLAIN = 0
    BOLD = enum.auto()
    EM = enum.auto()
    CODE = enum.auto()
    TITLE = enum.auto()  # a top heading: underlined on a terminal
    KEEP = enum.auto()  # a space no line breaks at (inside a short code span such as `kata grade tensors`)


@dataclass(frozen=True)
class Look:
    """What a terminal may show: ANSI styles (bold, italics) and colours."""

    ansi: bool = False
    colour: bool = False

    @classmethod
    def of(cls, stream: TextIO) -> "Look":
        """ANSI styles on a terminal only; colour too unless NO_COLOR is set (no-color.org)."""
        tty = stream.isatty() and os.environ.get("TERM") != "dumb"
        return cls(ansi=tty, colour=tty and not os.environ.get("NO_COLOR"))

    def paint(self, text: str, style: Style) -> str:
        codes = [code for flag, code in _ANSI if style & flag and (self.colour or flag is not Style.CODE)]
        if not self.ansi or not codes or not text.strip():
            return text
        return f"\033[{';'.join(codes)}m{text}\033[0m"


_ANSI = ((Style.BOLD, "1"), (Style.TITLE, "1;4"), (Style.EM, "3"), (Style.CODE, "36"))


class Cell(NamedTuple):
    """One character of rendered text and its style."""

    char: str
    style: Style


Line = list[Cell]
_BREAK = Cell("\n", Style.PLAIN)  # a hard line break inside a paragraph


def render(text: str, columns: int = 80, look: Look = Look()) -> str:
    """Markdown `text` laid out for a terminal `columns` wide."""
    lines = _Renderer(look).blocks(text.expandtabs(4).splitlines(), max(columns, 20))
    return "\n".join(line.rstrip() for line in lines)


def for_terminal(text: str, stream: TextIO) -> str:
    """Markdown `text` as `stream` shows it: the terminal's width (at most MAX_COLUMNS), its styles."""
    return render(text, min(terminal_columns(), MAX_COLUMNS), Look.of(stream))


# --- inline: text with markers → styled cells ------------------------------------------------------

_INLINE = re.compile(
    r"(?P<code>(?P<ticks>`+)(?P<code_text>.+?)(?<!`)(?P=ticks)(?!`))"
    r"|(?P<link>!?\[(?P<link_text>(?:[^\]\\]|\\.)*)\]\((?P<url>[^)\s]*)(?:\s+\"[^\"]*\")?\))"
    r"|<(?P<autolink>(?:https?|mailto):[^>\s]+)>"
    r"|(?P<strong>\*\*(?=\S)(?P<strong_text>.+?)(?<=\S)\*\*|(?<!\w)__(?=\S)(?P<strong_text2>.+?)(?<=\S)__(?!\w))"
    r"|(?P<em>\*(?=[^\s*])(?P<em_text>.+?)(?<=[^\s*])\*|(?<!\w)_(?=[^\s_])(?P<em_text2>.+?)(?<=[^\s_])_(?!\w))"
    r"|\\(?P<escaped>[!-/:-@\[-`{-~])",
    re.DOTALL,
)


_KEEP_CODE = 24  # a code span up to this wide stays on one line: a command reads whole


def inline(text: str, style: Style = Style.PLAIN) -> Line:
    """The cells of one block's text: markers gone, their meaning kept as styles."""
    cells: Line = []
    at = 0
    for match in _INLINE.finditer(text):
        cells += _cells(text[at : match.start()], style)
        at = match.end()
        if match["code"]:
            code = match["code_text"]
            if code.startswith(" ") and code.endswith(" ") and code.strip():
                code = code[1:-1]  # CommonMark: one space each side lets code start or end with a backtick
            keep = Style.KEEP if width(code) <= _KEEP_CODE else Style.PLAIN
            cells += [Cell(char, style | Style.CODE | (keep if char == " " else Style.PLAIN)) for char in code]
        elif match["link"]:
            label, url = match["link_text"], match["url"]
            cells += inline(label, style)
            if url and url != label:
                cells += _cells(f" ({url})", style)
        elif match["autolink"]:
            cells += _cells(match["autolink"], style)
        elif match["strong"]:
            cells += inline(match["strong_text"] or match["strong_text2"], style | Style.BOLD)
        elif match["em"]:
            cells += inline(match["em_text"] or match["em_text2"], style | Style.EM)
        else:
            cells += _cells(match["escaped"], style)
    return cells + _cells(text[at:], style)


def _cells(text: str, style: Style) -> Line:
    return [_BREAK if char == "\n" else Cell(char, style) for char in text]


# --- wrapping -------------------------------------------------------------------------------------

# Chinese line-breaking rules (kinsoku): no line starts with closing punctuation or ends with opening.
_NO_START = set("，。、；：？！）》」』】〕〉”’…—·%,.;:?!)]}")
_NO_END = set("（《「『【〔〈“‘([{")


def _wide(char: str) -> bool:
    return width(char) > 1


def _may_break(before: str, after: str) -> bool:
    """A line may break between two characters without a space: next to a CJK character, within the rules."""
    if not (_wide(before) or _wide(after)) or after in _NO_START or before in _NO_END:
        return False
    return before != after  # keeps —— and …… whole


def _words(cells: Line) -> Iterator[tuple[Cell | None, Line]]:
    """The unbreakable runs of `cells`, each with the space before it (or None); [] is a hard break."""
    word: Line = []
    space: Cell | None = None
    for cell in cells:
        if cell is _BREAK:
            if word:
                yield space, word
            yield None, []
            word, space = [], None
        elif cell.char == " " and not cell.style & Style.KEEP:
            if word:
                yield space, word
                word, space = [], cell
            else:
                space = space or cell
        elif word and _may_break(word[-1].char, cell.char):
            yield space, word
            word, space = [cell], None
        else:
            word.append(cell)
    if word:
        yield space, word


def wrap(cells: Line, columns: int) -> list[Line]:
    """`cells` broken into lines of at most `columns` terminal columns."""
    lines: list[Line] = []
    line: Line = []
    used = 0
    for space, word in _words(cells):
        if not word:
            lines.append(line)
            line, used = [], 0
            continue
        size = sum(width(c.char) for c in word)
        gap = 1 if space and line else 0
        if line and used + gap + size > columns:
            lines.append(line)
            line, used, gap = [], 0, 0
        while size > columns and not line:  # one word wider than a line (a long path): cut it
            cut, taken = 0, 0
            while cut < len(word) and taken + width(word[cut].char) <= columns:
                taken += width(word[cut].char)
                cut += 1
            cut = max(cut, 1)
            lines.append(word[:cut])
            word = word[cut:]
            size = sum(width(c.char) for c in word)
        if gap:
            line.append(space)
        line += word
        used += gap + size
    if line or not lines:
        lines.append(line)
    return lines


def fold(text: str, columns: int) -> list[str]:
    """Plain `text` (no markup) broken into lines of at most `columns` terminal columns, at spaces and
    between Chinese characters, as a paragraph is."""
    return ["".join(c.char for c in line) for line in wrap(_cells(text, Style.PLAIN), max(columns, 8))]


def indented(lines: list[str], indent: str, columns: int | None) -> list[str]:
    """Each line after `indent`; with `columns` (a terminal's width), folded to fit, its continuations
    indented alike; without, whole (a pipe keeps each line for whoever reads it)."""
    if columns is None:
        return [indent + line for line in lines]
    return [indent + part for line in lines for part in fold(line, columns - width(indent))]


def fitting_columns(stream: TextIO) -> int | None:
    """The width to fold text to on `stream`: the terminal's, or None where it is not a terminal."""
    return terminal_columns() if stream.isatty() else None


def _line_width(line: Line) -> int:
    return sum(width(c.char) for c in line)


# --- blocks ---------------------------------------------------------------------------------------

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_ITEM = re.compile(r"^( {0,3})([-*+]|\d{1,9}[.)])(?:([ \t]+)(.*))?$")
_QUOTE = re.compile(r"^ {0,3}> ?(.*)$")
_TABLE_RULE = re.compile(r"^ *\|? *:?-+:? *(\| *:?-+:? *)*\|? *$")
_INDENTED_CODE = re.compile(r"^ {4}")


def _starts_block(line: str) -> bool:
    """Whether `line` ends a paragraph by starting a block of its own."""
    return bool(
        not line.strip()
        or _FENCE.match(line)
        or _HEADING.match(line)
        or _RULE.match(line)
        or _QUOTE.match(line)
        or _ITEM.match(line)
    )


def _wide_punctuation(char: str) -> bool:
    """Chinese punctuation (，。（）…): it carries its own space, so no space is added beside it."""
    return _wide(char) and unicodedata.category(char).startswith("P")


def _join(lines: list[str]) -> str:
    """A paragraph's source lines as one text: a soft break is a space, except between two CJK characters."""
    text = ""
    for line in lines:
        hard = line.endswith("  ") or line.endswith("\\")
        line = line.strip().removesuffix("\\").rstrip()
        if text and not text.endswith("\n") and line:
            before, after = text[-1], line[0]
            text += (
                "" if _wide(before) and _wide(after) or _wide_punctuation(before) or _wide_punctuation(after) else " "
            )
        text += line + ("\n" if hard else "")
    return text.rstrip("\n")


class _Renderer:
    def __init__(self, look: Look):
        self.look = look

    def paint(self, line: Line) -> str:
        out, run, style = [], "", Style.PLAIN
        for cell in line:
            shown = cell.style & ~Style.KEEP  # a kept space looks like any other
            if shown != style and run:
                out.append(self.look.paint(run, style))
                run = ""
            run, style = run + cell.char, shown
        out.append(self.look.paint(run, style))
        return "".join(out)

    def blocks(self, lines: list[str], columns: int) -> list[str]:
        """The rendered lines of a sequence of blocks, one blank line between blocks."""
        out: list[str] = []
        i, tight = 0, False
        while i < len(lines):
            if not lines[i].strip():
                i, tight = i + 1, False
                continue
            # a list right under its lead-in line (or an item's first line) stays with it
            tight = tight and bool(_ITEM.match(lines[i])) and not _RULE.match(lines[i])
            i, rendered = self.block(lines, i, columns)
            if rendered:
                out += ([""] if out and not tight else []) + rendered
            tight = not (_HEADING.match(lines[i - 1]) or _SETEXT.match(lines[i - 1]) or _FENCE.match(lines[i - 1]))
        return out

    def block(self, lines: list[str], i: int, columns: int) -> tuple[int, list[str]]:
        """The block starting at line `i`: where the next one starts, and its rendered lines."""
        line = lines[i]
        if fence := _FENCE.match(line):
            return self.fenced(lines, i, fence)
        if heading := _HEADING.match(line):
            return i + 1, self.heading(heading[2] or "", len(heading[1]), columns)
        if _RULE.match(line):
            return i + 1, [self.paint(_cells("─" * min(columns, 40), Style.PLAIN))]
        if "|" in line and i + 1 < len(lines) and _is_table_rule(lines[i + 1], line):
            return self.table(lines, i, columns)
        if _QUOTE.match(line):
            return self.quote(lines, i, columns)
        if _ITEM.match(line):
            return self.listing(lines, i, columns)
        if _INDENTED_CODE.match(line):
            end = i
            while end < len(lines) and (_INDENTED_CODE.match(lines[end]) or not lines[end].strip()):
                end += 1
            while not lines[end - 1].strip():
                end -= 1
            return end, self.code([text[4:] for text in lines[i:end]])
        return self.paragraph(lines, i, columns)

    def paragraph(self, lines: list[str], i: int, columns: int) -> tuple[int, list[str]]:
        end = i + 1
        while end < len(lines):
            if _SETEXT.match(lines[end]):  # the paragraph was a heading: === under a title, --- under a section
                level = 1 if lines[end].strip().startswith("=") else 2
                return end + 1, self.heading(_join(lines[i:end]), level, columns)
            if _starts_block(lines[end]):
                break
            end += 1
        return end, [self.paint(row) for row in wrap(inline(_join(lines[i:end])), columns)]

    def heading(self, text: str, level: int, columns: int) -> list[str]:
        style = Style.TITLE if level == 1 else Style.BOLD
        rows = wrap(inline(text, style), columns)
        out = [self.paint(row) for row in rows]
        if not self.look.ansi and level <= 2:  # no bold here: an underline says it is a heading
            out.append(("═" if level == 1 else "─") * max(_line_width(row) for row in rows))
        return out

    def fenced(self, lines: list[str], i: int, fence: re.Match[str]) -> tuple[int, list[str]]:
        indent, marker = len(fence[1]), fence[2]
        end = i + 1
        while end < len(lines) and not re.match(rf"^ {{0,3}}{marker[0]}{{{len(marker)},}}[ \t]*$", lines[end]):
            end += 1
        body = [line[min(indent, len(line) - len(line.lstrip(" "))) :] for line in lines[i + 1 : end]]
        return end + 1, self.code(body)

    def code(self, body: list[str]) -> list[str]:
        """A code block: indented, never wrapped (a wrapped line of code reads as two)."""
        return [self.paint(_cells("    " + line, Style.CODE)) if line.strip() else "" for line in body]

    def quote(self, lines: list[str], i: int, columns: int) -> tuple[int, list[str]]:
        inner: list[str] = []
        end = i
        while end < len(lines) and lines[end].strip():
            quoted = _QUOTE.match(lines[end])
            if not quoted and _starts_block(lines[end]):
                break
            inner.append(quoted[1] if quoted else lines[end])  # an unmarked line continues the quote
            end += 1
        return end, ["│ " + row for row in self.blocks(inner, columns - 2)]

    def listing(self, lines: list[str], i: int, columns: int) -> tuple[int, list[str]]:
        """A list: its items' bodies, each rendered as blocks beside its bullet or number."""
        first = _ITEM.match(lines[i])
        ordered = first[2][0].isdigit()
        items: list[list[str]] = []
        end = i

        def same_list(line: str) -> re.Match[str] | None:
            item = _ITEM.match(line)
            marker = item and item[2]
            return item if marker and (marker[0].isdigit() if ordered else marker == first[2]) else None

        while end < len(lines):
            item = same_list(lines[end])
            if not item:
                break
            spaces = item[3] or " "
            indent = len(item[1]) + len(item[2]) + (len(spaces) if len(spaces) <= 4 else 1)
            body = [(item[4] or "") if len(spaces) <= 4 else " " * (len(spaces) - 1) + (item[4] or "")]
            end += 1
            while end < len(lines):
                line = lines[end]
                if not line.strip():
                    following = next((text for text in lines[end:] if text.strip()), "")
                    if len(following) - len(following.lstrip(" ")) < indent:
                        break
                    body.append("")
                elif len(line) - len(line.lstrip(" ")) >= indent:
                    body.append(line[indent:])
                elif body[-1].strip() and not _starts_block(line):  # a lazy continuation of its paragraph
                    body.append(line.strip())
                else:
                    break
                end += 1
            items.append(body)
            if end < len(lines) and not lines[end].strip():
                following = next((n for n in range(end, len(lines)) if lines[n].strip()), len(lines))
                if following == len(lines) or not same_list(lines[following]):
                    break
                end = following
        start = int(first[2][:-1]) if ordered else 0
        markers = [f"{start + n}." if ordered else "•" for n in range(len(items))]
        room = max(width(marker) for marker in markers)
        out: list[str] = []
        for marker, body in zip(markers, items):
            prefix = "  " + " " * (room - width(marker)) + marker + " "
            rendered = self.blocks(body, columns - width(prefix)) or [""]
            out += [(prefix if n == 0 else " " * width(prefix)) + row if row else "" for n, row in enumerate(rendered)]
        return end, out

    def table(self, lines: list[str], i: int, columns: int) -> tuple[int, list[str]]:
        """A pipe table: columns aligned in terminal columns, cells wrapped when it is wider than the screen."""
        aligns = [
            "center" if cell.startswith(":") and cell.endswith(":") else "right" if cell.endswith(":") else "left"
            for cell in _table_cells(lines[i + 1])
        ]
        rows = [_table_cells(lines[i])]
        end = i + 2
        while end < len(lines) and lines[end].strip() and "|" in lines[end]:
            rows.append(_table_cells(lines[end]))
            end += 1
        count = len(aligns)
        cells = [
            [inline(text, Style.BOLD if n == 0 else Style.PLAIN) for text in (row + [""] * count)[:count]]
            for n, row in enumerate(rows)
        ]
        widths = [max(max(_line_width(row[c]) for row in cells), 1) for c in range(count)]
        gap = 2
        while sum(widths) + gap * (count - 1) > columns and max(widths) > 8:
            widths[widths.index(max(widths))] -= 1  # the widest column gives way first
        out: list[str] = []
        for n, row in enumerate(cells):
            wrapped = [wrap(cell, widths[c]) for c, cell in enumerate(row)]
            for k in range(max(len(w) for w in wrapped)):
                parts = []
                for c, w in enumerate(wrapped):
                    part = w[k] if k < len(w) else []
                    parts.append(self.aligned(part, widths[c], aligns[c]))
                out.append((" " * gap).join(parts))
            if n == 0:
                out.append((" " * gap).join("─" * w for w in widths))
        return end, out

    def aligned(self, cells: Line, columns: int, align: str) -> str:
        room = columns - _line_width(cells)
        left = room // 2 if align == "center" else room if align == "right" else 0
        return " " * left + self.paint(cells) + " " * (room - left)


def _is_table_rule(line: str, header: str) -> bool:
    """Whether `line` is the |---|:--:| row under a table's `header` (as many cells as it)."""
    return bool(_TABLE_RULE.match(line)) and len(_table_cells(line)) == len(_table_cells(header))


def _table_cells(line: str) -> list[str]:
    """The cells of one table row: split at | outside code spans and escapes."""
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    cells, cell, ticks = [], "", 0
    k = 0
    while k < len(line):
        char = line[k]
        if char == "\\" and k + 1 < len(line) and line[k + 1] == "|":
            cell += "|"
            k += 2
            continue
        if char == "`":
            ticks ^= 1
        if char == "|" and not ticks:
            cells.append(cell.strip())
            cell = ""
        else:
            cell += char
        k += 1
    return cells + [cell.strip()]
