"""docs/AUTHORING.md's check example is what an author copies: with the exercise example beside it,
it must load as a kata's checks and pass what `kata verify` asks of a check file."""

from __future__ import annotations

import ast
import importlib
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


ROOT = DOC.parents[1]
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
GRADER_MODULES = {path.stem for path in (ROOT / "grader").glob("*.py")}


def _layers() -> dict[str, list[str]]:
    """docs/ARCHITECTURE.md's layer table: layer -> its modules, top layer first."""
    section = ARCHITECTURE.read_text(encoding="utf-8").split("## Layers", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| ") and ".py`" in line]
    return {row[0].strip("| "): re.findall(r"`(\w+)\.py`", row[1]) for row in rows}


def _imports(module: str) -> set[str]:
    """The grader modules `module` imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse((ROOT / "grader" / f"{module}.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("grader."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.module == "grader":
            found.update(alias.name for alias in node.names if alias.name in GRADER_MODULES)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("grader."))
    return found - {module}


def test_the_module_map_names_every_module_once():
    named = [module for modules in _layers().values() for module in modules]
    assert len(named) == len(set(named)), f"named twice: {sorted(m for m in named if named.count(m) > 1)}"
    assert set(named) - GRADER_MODULES == set(), "ARCHITECTURE.md names modules that do not exist"
    assert GRADER_MODULES - set(named) == set(), "ARCHITECTURE.md's layer table lacks these modules"


def test_the_layers_hold():
    """A module imports from its own layer, the layers below and the shared row; the exceptions are the
    ones the page names (`a.py` → `b.py`)."""
    layers = list(_layers().values())
    shared = len(layers) - 1  # the last row: every layer may import it
    level = {module: i for i, modules in enumerate(layers) for module in modules}
    upward = set()
    for module in GRADER_MODULES & level.keys():
        for imported in _imports(module) & level.keys():
            if level[imported] != shared and (level[imported] < level[module] or level[module] == shared):
                upward.add((module, imported))
    text = ARCHITECTURE.read_text(encoding="utf-8")
    named = set(re.findall(r"`(\w+)\.py` → `(\w+)\.py`", text))
    assert upward == named, f"imports against the layers: {sorted(upward - named)}; named but gone: {named - upward}"


def test_the_names_the_architecture_gives_exist():
    """Every `module.name` and `Class.name` in ARCHITECTURE.md is in the code."""
    classes = {}
    for module in GRADER_MODULES:
        for node in ast.parse((ROOT / "grader" / f"{module}.py").read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                classes[node.name] = module
    text = ARCHITECTURE.read_text(encoding="utf-8")
    refs = set(re.findall(r"`([A-Za-z_]\w*(?:\.\w+)+)`", text))
    checked = 0
    for ref in sorted(refs):
        first, *rest = ref.split(".")
        module = first if first in GRADER_MODULES else classes.get(first)
        if module is None or rest[-1] in ("py", "toml", "json"):
            continue  # a file name (`grades.json`, `course.toml`) or a module's file (`cli.py`): checked above
        value = importlib.import_module(f"grader.{module}")
        for name in ([first] if first in classes else []) + rest:
            assert hasattr(value, name), f"ARCHITECTURE.md names `{ref}`, but grader/{module}.py has no {name}"
            value = getattr(value, name)
        checked += 1
    assert checked > 20  # the trace names the functions it passes through


def test_the_operator_table_is_the_mutants():
    from grader.mutants import OPERATORS

    section = DOC.read_text(encoding="utf-8").split("### Mutation testing", 1)[1]
    table = re.findall(r"^\| `([\w-]+)` \|", section, re.M)
    assert sorted(table) == sorted(OPERATORS), "docs/AUTHORING.md's operator table and grader.mutants differ"


def _toml_fields() -> dict[str, set[str]]:
    """Every field the kata.toml examples show, per table ("" the top level)."""
    fields: dict[str, set[str]] = {}
    for block in re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        table = ""
        for line in block.splitlines():
            line = line.split("#")[0]
            header = re.match(r"\[\[?([\w.]+)\]\]?", line)
            if header:
                table = header.group(1)
                parent, _, name = table.rpartition(".")
                fields.setdefault(parent, set()).add(name)
                line = line[header.end() :]
            fields.setdefault(table, set()).update(re.findall(r"(?:^|\s)(\w+)\s*=", line))
    return fields


def test_the_kata_toml_example_shows_every_field():
    """A field the grader reads that the page never shows is a default no author can change; a field it
    shows that the grader does not know is refused by `kata verify`."""
    from grader.catalog import _KEYS

    legacy = {"id", "order", "mistakes"}  # read only to refuse them with a message of their own
    known = {table: keys - legacy if table == "" else keys for table, keys in _KEYS.items()}
    shown = {table: keys for table, keys in _toml_fields().items() if keys}
    assert shown == known, f"docs/AUTHORING.md's kata.toml: {shown}, the grader's: {known}"


def test_the_fixtures_and_helpers_named_are_the_engines():
    from grader import expect
    from grader.judge import JUDGE_FIXTURES

    text = DOC.read_text(encoding="utf-8")
    judge = text.split("- Judge fixtures, by name:", 1)[1].split("\n- ", 1)[0]
    for fixture in JUDGE_FIXTURES:
        assert f"`{fixture}`" in judge, f"AUTHORING.md's judge fixtures lack `{fixture}`"
    plugin = ast.parse((ROOT / "grader" / "plugin.py").read_text(encoding="utf-8"))
    fixtures = [
        f.name
        for f in plugin.body
        if isinstance(f, ast.FunctionDef) and any("fixture" in ast.unparse(d) for d in f.decorator_list)
    ]
    exercise = text.split("the exercise half: a function of the same name", 1)[1].split("```", 1)[0]
    for fixture in fixtures:
        assert f"`{fixture}" in exercise, f"AUTHORING.md's exercise-half fixtures lack `{fixture}`"
    for helper in expect.__all__:
        assert f"`{helper}`" in text or f"`expect.{helper}(" in text, f"AUTHORING.md never names expect.{helper}"
