"""Katas as Jupyter notebooks: build one from a kata's code, and turn one back into the solution module.

Building (`build`, with nbformat): the kata's instructions in the learner's language as markdown
cells, a first cell that loads the `%kata` magic with the workspace and language, then per exercise
a solution cell tagged `{"kata": {"exercise": N}}` (N = 0 for the imports and helpers before the
first exercise), a hint cell and an untagged "try it" cell; the last cell grades.

Grading (`graded_notebook`, `write_solution`): the grader never runs a notebook. It reads the JSON,
keeps the tagged cells' source in order and writes each into the job folder as its own file, plus a
loader named like the kata's file that compiles every cell and then runs them in one namespace (one
module, as if the cells were one file). A traceback or a syntax error therefore names the cell
(`exercise3-cell9.py:2`), not a line of a file the learner never saw. Untagged cells, outputs and
magics outside the tagged cells are never read; a tagged cell that starts with a magic line (`%%time`)
has that line blanked when the cell would not parse otherwise.

Which file a job grades, when a kata folder holds both `<kata-id>.ipynb` and the kata's file: the
notebook when its metadata says the kata was started as a notebook (`kata start --notebook`) or when
it was saved after the .py; otherwise the .py. A folder with only the notebook grades the notebook.
"""

from __future__ import annotations

import ast
import json
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from grader import i18n
from grader.i18n import pick

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from grader.catalog import Kata

NOTEBOOK_SUFFIX = ".ipynb"
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024  # a bigger notebook (outputs included) is not read
SETUP = 0  # the exercise number of the cell holding imports and helpers
MAX_EXERCISE = 999  # a larger number tags no exercise: it would name a cell's file past the system's limit
_EXERCISE = re.compile(r"^\s*(?:Exercise|练习|第)\s*(\d+)")
_MAGIC_LINE = re.compile(r"^\s*[%!]")

TEXT = {
    "exercise": {"en": "Exercise {n} · `{name}`", "zh": "第 {n} 小题 · `{name}`"},
    "setup_title": {"en": "Imports and given code", "zh": "导入与给定代码"},
    "setup_note": {
        "en": "Run this cell first. Cells marked as exercises are what gets graded; "
        "every other cell is yours to explore.",
        "zh": "先运行这个单元格。标记为小题的单元格才会被评分；其他单元格都可以随意尝试。",
    },
    "hint": {
        "en": "Stuck? `%kata hint` shows the next hint for the exercise of your first failing check "
        "(`kata hint {id}` in a terminal).",
        "zh": "卡住了？运行 `%kata hint` 查看你第一个未通过的检查所在小题的下一条提示（终端中用 `kata hint {id}`）。",
    },
    "try": {"en": "# Try it here (not graded), e.g.:", "zh": "# 在这里试一试（不计分），例如："},
    "grade_title": {"en": "Grade", "zh": "评分"},
    "grade_note": {
        "en": "Save the notebook first (Ctrl+S / ⌘S): the grader reads the saved file, only the "
        "exercise cells, in an isolated process.",
        "zh": "请先保存笔记本（Ctrl+S / ⌘S）：评分程序在隔离的进程中读取已保存的文件，且只读取练习单元格。",
    },
    "written": {
        "en": "Notebook: {path} (open it with `jupyter lab {quoted}`)",
        "zh": "笔记本：{path}（用 `jupyter lab {quoted}` 打开）",
    },
    "script_ignored": {
        "en": "note: {id} is graded from {notebook} (it was started with --notebook); {script}, saved later, "
        "is not graded",
        "zh": "注意：{id} 以 {notebook} 评分（它是用 --notebook 开始的）；之后保存的 {script} 不计分",
    },
}


def say(key: str, lang: str, **values: object) -> str:
    return pick(TEXT[key], lang).format(**values)


class NotebookError(Exception):
    """A notebook the grader cannot read (not JSON, not a notebook, too large)."""


@dataclass(frozen=True)
class Part:
    """A slice of a kata's code: the setup (exercise 0) or one exercise's definitions."""

    exercise: int
    name: str  # the exercise's function or class ("" for the setup)
    source: str


@dataclass(frozen=True)
class SolutionCell:
    """A tagged cell as the grader reads it: its 1-based position in the notebook, exercise and code."""

    index: int
    exercise: int
    source: str

    @property
    def file_name(self) -> str:
        """The cell's file in the job folder; the hyphen keeps it from being importable."""
        label = "setup" if self.exercise == SETUP else f"exercise{self.exercise}"
        return f"{label}-cell{self.index}.py"


# --- splitting a kata's code into exercises ------------------------------------------------------


def _definitions(tree: ast.Module) -> list[ast.stmt]:
    return [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def exercise_numbers(stub_source: str) -> dict[str, int]:
    """Each exercise's function or class name -> its number, from docstrings that open with
    "Exercise N" (else every top-level definition is one exercise, in order)."""
    definitions = _definitions(ast.parse(stub_source))
    numbered = {}
    for node in definitions:
        match = _EXERCISE.match(ast.get_docstring(node) or "")
        if match:
            numbered[node.name] = int(match.group(1))
    return numbered or {node.name: i for i, node in enumerate(definitions, 1)}


def _first_line(node: ast.stmt, lines: list[str]) -> int:
    """0-based first line of a definition, with its decorators and the comment lines just above it."""
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
    while first > 0 and lines[first - 1].lstrip().startswith("#"):
        first -= 1
    return first


def split(source: str, numbers: dict[str, int]) -> list[Part]:
    """`source` cut before each exercise's definition; code between exercises stays with the one above."""
    tree = ast.parse(source)
    lines = source.splitlines()
    starts = [
        (_first_line(node, lines), numbers[node.name], node.name) for node in _definitions(tree) if node.name in numbers
    ]
    bounds = [(0, SETUP, ""), *starts]
    parts = []
    for i, (start, number, name) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else len(lines)
        text = "\n".join(lines[start:end]).strip("\n")
        if text or number != SETUP:
            parts.append(Part(number, name, text))
    return parts


def parts_for(kata: Kata, current: Path | None = None) -> list[Part]:
    """The kata's exercises from the learner's `current` file, else from the stub; an exercise missing
    from the learner's file comes from the stub. A file that does not parse is a KataError: a notebook
    built from the stub instead would be graded in its place, the learner's work left out."""
    from grader.errors import KataError

    stub_source = (kata.stub / kata.files[0]).read_text(encoding="utf-8")
    numbers = exercise_numbers(stub_source)
    stub_parts = split(stub_source, numbers)
    if current is None or not current.is_file():
        return stub_parts
    try:
        mine = split(current.read_text(encoding="utf-8"), numbers)
    except UnicodeDecodeError:
        raise KataError.of("notebook_source_not_utf8", file=current.name) from None
    except SyntaxError as exc:
        raise KataError.of("notebook_source_syntax", file=current.name, line=exc.lineno, error=exc.msg) from None
    except ValueError as exc:  # a NUL byte: compile's own words
        raise KataError.of("notebook_source_syntax", file=current.name, line="?", error=str(exc)) from None
    have = {p.exercise for p in mine}
    return sorted(mine + [p for p in stub_parts if p.exercise not in have], key=lambda p: p.exercise)


# --- building ----------------------------------------------------------------------------------


def _markdown_sections(text: str) -> list[str]:
    """The README cut at its `## ` headings: one markdown cell each."""
    sections, current = [], []
    for line in text.splitlines():
        if line.startswith("## ") and current:
            sections.append("\n".join(current).strip())
            current = []
        current.append(line)
    sections.append("\n".join(current).strip())
    return [s for s in sections if s]


def _try_it(part: Part, lang: str) -> str:
    """A comment with a call of the exercise's function (or class) as its signature spells it."""
    try:
        node = next(n for n in _definitions(ast.parse(part.source)) if n.name == part.name)
    except (SyntaxError, StopIteration):
        return say("try", lang)
    if isinstance(node, ast.ClassDef):
        init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        args = [a.arg for a in init.args.args[1:]] if init else []
    else:
        args = [a.arg for a in node.args.args]
    return f"{say('try', lang)}\n# {part.name}({', '.join(args)})"


def build(kata: Kata, lang: str, parts: list[Part], graded_from_notebook: bool) -> NotebookNode:
    """The kata as an nbformat v4 notebook. `graded_from_notebook` (kata start --notebook) makes the
    notebook the graded file even when the .py is newer."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = [new_code_cell(f"%load_ext grader\n%kata setup {kata.id} --workspace .. --lang {lang}", id="kata-setup")]
    readme = kata.readme(lang).read_text(encoding="utf-8")
    cells += [new_markdown_cell(text, id=f"instructions-{i}") for i, text in enumerate(_markdown_sections(readme), 1)]
    seen: dict[int, int] = {}
    for part in parts:
        tag = {"kata": {"exercise": part.exercise}}
        seen[part.exercise] = seen.get(part.exercise, 0) + 1
        # cell ids are unique: a learner's file may define an exercise twice (the later one counts)
        key = ("setup" if part.exercise == SETUP else f"exercise-{part.exercise}") + (
            f"-{seen[part.exercise]}" if seen[part.exercise] > 1 else ""
        )
        if part.exercise == SETUP:
            cells.append(
                new_markdown_cell(f"### {say('setup_title', lang)}\n\n{say('setup_note', lang)}", id=f"{key}-title")
            )
            cells.append(new_code_cell(part.source, id=key, metadata=tag))
            continue
        title = say("exercise", lang, n=part.exercise, name=part.name)
        cells.append(new_markdown_cell(f"### {title}", id=f"{key}-title"))
        cells.append(new_code_cell(part.source, id=key, metadata=tag))
        cells.append(new_markdown_cell(say("hint", lang, id=kata.id), id=f"{key}-hint"))
        cells.append(new_code_cell(_try_it(part, lang), id=f"{key}-try"))
    cells.append(new_markdown_cell(f"## {say('grade_title', lang)}\n\n{say('grade_note', lang)}", id="grade-title"))
    cells.append(new_code_cell("%kata grade", id="kata-grade"))
    metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "kata": {"id": kata.id, "version": kata.version, "lang": lang, "graded_from_notebook": graded_from_notebook},
    }
    notebook = new_notebook(cells=cells, metadata=metadata)
    nbformat.validate(notebook)
    return notebook


def notebook_path(folder: Path) -> Path:
    """`<workspace>/<kata-id>/<kata-id>.ipynb`."""
    return folder / f"{folder.name}{NOTEBOOK_SUFFIX}"


def write(kata: Kata, folder: Path, lang: str, graded_from_notebook: bool) -> Path:
    """Write the kata's notebook into its workspace folder, from the learner's file where there is
    one; never overwrites a notebook that exists."""
    import nbformat

    from grader.errors import KataError

    path = notebook_path(folder)
    if path.exists():
        raise KataError.of("notebook_exists", path=path)
    notebook = build(kata, lang, parts_for(kata, folder / kata.files[0]), graded_from_notebook)
    with open(path, "x", encoding="utf-8") as file:  # "x": a notebook made meanwhile is never replaced
        nbformat.write(notebook, file)
    return path


# --- reading a notebook to grade it ------------------------------------------------------------


def _english(key: str, **values: object) -> str:
    """An engine phrase as results keep it, in English (the scorecard says it in the learner's language)."""
    return i18n.say(key, "en", **values)


def read(path: Path) -> NotebookNode:
    """The notebook at `path` as nbformat v4, or NotebookError saying why not."""
    import nbformat

    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(_english("notebook_too_large", file=path.name, limit=MAX_NOTEBOOK_BYTES // 2**20))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a schema warning is no reason to refuse the learner's code
            notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        if not isinstance(notebook.get("cells"), list):
            raise NotebookError(_english("notebook_no_cells", file=path.name))
        return notebook
    except NotebookError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a learner's file holds, the grader goes on
        raise NotebookError(_english("notebook_unreadable", file=path.name, error=type(exc).__name__)) from None


def _exercise_of(cell: object) -> int | None:
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    tag = metadata.get("kata") if isinstance(metadata, dict) else None
    number = tag.get("exercise") if isinstance(tag, dict) else None
    return number if isinstance(number, int) and not isinstance(number, bool) and 0 <= number <= MAX_EXERCISE else None


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _without_magics(source: str) -> str:
    """`source` as Python where a leading `%`/`!` line made it IPython only (line numbers kept)."""
    try:
        ast.parse(source)
        return source
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        blanked = "\n".join("" if _MAGIC_LINE.match(line) else line for line in source.split("\n"))
        try:
            ast.parse(blanked)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return source  # still not Python: the raw cell's own syntax error is the one to show
        return blanked


def solution_cells(notebook: Mapping) -> list[SolutionCell]:
    """The tagged code cells, in notebook order."""
    cells = []
    for index, cell in enumerate(notebook["cells"], 1):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            exercise = _exercise_of(cell)
            if exercise is not None:
                cells.append(SolutionCell(index, exercise, _without_magics(_source(cell))))
    return cells


def _wants_notebook(path: Path) -> bool:
    try:
        kata = read(path).get("metadata", {}).get("kata")
    except NotebookError:
        return False
    return isinstance(kata, dict) and kata.get("graded_from_notebook") is True


def ignored_script(folder: Path, names: tuple[str, ...]) -> Path | None:
    """The kata's file `names[0]` when it was saved after the notebook that is graded in its place (a
    kata started with --notebook): a learner who went back to the .py hears that it does not count."""
    chosen = graded_notebook(folder, names)
    script = folder / names[0] if names else None
    if chosen is None or script is None or not script.is_file() or script.is_symlink():
        return None
    return script if script.stat().st_mtime_ns > chosen.stat().st_mtime_ns else None


def graded_notebook(folder: Path, names: tuple[str, ...]) -> Path | None:
    """The folder's notebook when it, not the kata's file `names[0]`, is what a job grades."""
    path = notebook_path(folder)
    if not path.is_file() or path.is_symlink() or not names:
        return None
    script = folder / names[0]
    if not script.is_file() or script.is_symlink():
        return path
    if path.stat().st_mtime_ns > script.stat().st_mtime_ns:
        return path
    return path if _wants_notebook(path) else None


_LOADER = '''"""{notebook}'s solution cells, run in order as this one module (written by the grader).

Each cell is compiled from its own file, so that an error names the cell; all are compiled before
any runs, like one file. Future imports carry over to later cells, as in Jupyter.
"""


def __kata_run_cells(namespace, cells, problem):
    import __future__
    import os

    if problem:  # the grader's words on the learner's notebook, not an error of the cells' code
        raise ImportError(problem, path={notebook!r})
    future = 0
    for feature in __future__.all_feature_names:
        future |= getattr(__future__, feature).compiler_flag
    folder = os.path.dirname(os.path.abspath(__file__))
    compiled, flags = [], 0
    for file_name, where in cells:
        path = os.path.join(folder, file_name)
        with open(path, encoding="utf-8") as file:
            source = file.read()
        try:
            code = compile(source, path, "exec", flags=flags, dont_inherit=True)
        except SyntaxError as exc:
            raise SyntaxError(f"{{exc.msg}} ({{where}}, line {{exc.lineno}})",
                              (path, exc.lineno, exc.offset, exc.text)) from None
        flags |= code.co_flags & future
        compiled.append(code)
    for code in compiled:
        exec(code, namespace)


__kata_run_cells(globals(), {cells!r}, {problem!r})
globals().pop("__kata_run_cells", None)
'''


def write_solution(notebook_file: Path, target: Path, module_name: str) -> int:
    """Write the notebook's solution cells into the job folder `target` as `module_name` (the loader)
    plus one file per cell; returns the bytes written. A notebook that cannot be read, or has no
    tagged cell, becomes a module whose import fails saying so."""
    cells: list[SolutionCell] = []
    problem = ""
    try:
        cells = solution_cells(read(notebook_file))
    except NotebookError as exc:
        problem = str(exc)
    if not problem and not cells:
        problem = _english("notebook_no_exercises", file=notebook_file.name, metadata='{"kata": {"exercise": N}}')
    written = 0
    listed = []
    try:
        for cell in cells:
            data = cell.source.encode("utf-8", errors="replace")
            (target / cell.file_name).write_bytes(data)
            written += len(data)
            where = f"{notebook_file.name}, " + (
                "setup cell" if cell.exercise == SETUP else f"exercise {cell.exercise}"
            )
            listed.append((cell.file_name, f"{where}, cell {cell.index}"))
    except OSError as exc:  # whatever the notebook holds, it is this job's problem, never the grader's
        problem, listed = _english("notebook_unreadable", file=notebook_file.name, error=type(exc).__name__), []
    loader = _LOADER.format(notebook=notebook_file.name, cells=listed, problem=problem)
    (target / module_name).write_text(loader, encoding="utf-8")
    return written + len(loader)


def in_notebook() -> bool:
    """Whether this process runs in, or was started from, a Jupyter kernel (where a prompt would hang)."""
    return any(name in os.environ for name in ("JPY_PARENT_PID", "COLAB_RELEASE_TAG"))


def graded_file(folder: Path, names: tuple[str, ...]) -> str:
    """The name of the file a job on `folder` grades."""
    chosen = graded_notebook(folder, names)
    return chosen.name if chosen is not None else names[0]


def metadata(path: Path) -> dict:
    """The notebook's `kata` metadata ({} when unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    kata = data.get("metadata", {}).get("kata") if isinstance(data, dict) else None
    return kata if isinstance(kata, dict) else {}
