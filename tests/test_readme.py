"""The READMEs and docs stay true: every kata is in the table, every CLI verb and option they show
exists, the commands table lists every option, and README.zh.md says what README.md says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from grader.catalog import Catalog
from grader.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ZH_README = (ROOT / "README.zh.md").read_text(encoding="utf-8")
DOCS = ("README.md", "README.zh.md", "docs/ARCHITECTURE.md", "docs/AUTHORING.md", "docs/INSTRUCTOR.md")
LEARNER_COMMANDS = ("list", "start", "grade", "hint", "reset", "solution", "watch", "notebook", "doctor")
COMMANDS_HEADING = {"README.md": "## Commands", "README.zh.md": "## 命令一览"}


def _commands() -> dict[str, list[list[str]]]:
    """Every command line ("grade", "export gradescope") -> its parameters' spellings (`-v`, `--verbose`)."""
    found: dict[str, list[list[str]]] = {}

    def walk(group, prefix: str) -> None:
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                walk(command, f"{prefix}{name} ")
            else:
                found[prefix + name] = [
                    [o for o in p.opts + p.secondary_opts if o.startswith("-")] for p in command.params
                ]

    walk(typer.main.get_command(app), "")
    return found


COMMANDS = _commands()
# the app's own options (--lang), which every command line takes before or after the command's name
APP_OPTIONS = {o for p in typer.main.get_command(app).params for o in p.opts if o.startswith("-")}
_OPTION = re.compile(r"^-{1,2}[A-Za-z][\w-]*")


def _code_texts(markdown: str) -> list[str]:
    """The commands a Markdown text shows: each line of a bash block and each `$ ` line of another
    fenced block (without its `# comment`), and each inline code span."""
    texts, fence = [], None
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fence = line.strip()[3:] if fence is None else None
        elif fence in ("bash", "sh"):
            texts.append(re.split(r"\s#\s", line)[0])
        elif fence is not None:
            if line.startswith("$ "):
                texts.append(re.split(r"\s#\s", line[2:])[0])
        else:
            texts.extend(re.findall(r"`([^`]+)`", line))
    return texts


def mentions(markdown: str) -> list[tuple[str, str, list[str]]]:
    """Each `kata <command> [options]` a Markdown text shows: (its text, the command, the options)."""
    found = []
    for text in _code_texts(markdown):
        for match in re.finditer(r"(?<![%\w.-])kata((?:\s+\S+)+)", text):
            words = [w.strip("[]().,:;") for w in match.group(1).split()]
            if words[:1] == ["--lang"]:
                words = words[2:]
            if not words or not re.fullmatch(r"[a-z]+", words[0]):
                continue  # `kata`, `kata --lang zh ...`: no command named
            command = words[0]
            subcommands = [s for s in words[1:2] for s in s.replace("\\", "").split("|") if s.isalpha()]
            if command == "export" and subcommands:  # `kata export gradescope|prairielearn ...`: each
                for sub in subcommands:
                    found.append((text, f"export {sub}", [w for w in words[2:] if _OPTION.match(w)]))
                continue
            options = [_OPTION.match(w).group(0) for w in words[1:] if _OPTION.match(w)]
            found.append((text, command, options))
    return found


def _spellings(command: str) -> set[str]:
    return {o for param in COMMANDS[command] for o in param}


def test_every_kata_is_in_the_table():
    for kata in Catalog.load():
        assert f"| {kata.order} | `{kata.id}` |" in README, f"README's kata table lacks {kata.id}"


def test_every_command_is_documented():
    shown = {command for _, command, _ in mentions(README)}
    for name in COMMANDS:
        assert name in shown, f"README's command reference lacks `kata {name}`"


@pytest.mark.parametrize("doc", DOCS)
def test_every_command_and_option_shown_exists(doc: str):
    """A command or option a doc shows that the CLI lacks is a learner's first error message."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    shown = mentions(text)
    assert shown, f"{doc}: no `kata` command found: the parser no longer reads it"
    for where, command, options in shown:
        if command == "export":
            continue  # the group itself: its subcommands are checked where named
        assert command in COMMANDS, f"{doc}: `{where}` names no command of `kata` ({', '.join(COMMANDS)})"
        unknown = [o for o in options if o not in _spellings(command) | APP_OPTIONS | {"--help"}]
        assert not unknown, f"{doc}: `{where}`: `kata {command}` has no option {', '.join(unknown)}"


@pytest.mark.parametrize("name", COMMANDS_HEADING)
def test_the_commands_table_lists_every_option(name: str):
    """Each row of a README's commands table names every option of its command (`--katas`, shared by
    all but the commands the sentence under the table names, once)."""
    text = (ROOT / name).read_text(encoding="utf-8")
    section = text.split(COMMANDS_HEADING[name], 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ")[0] for line in section.splitlines() if line.startswith("| `kata ")]
    listed: dict[str, set[str]] = {}
    for row in rows:
        for _, command, options in mentions(row):
            listed.setdefault(command, set()).update(options)
    without_katas = {c for c in COMMANDS if "--katas" not in _spellings(c)}
    [sentence] = re.findall(r"`kata (\w+)`[^`]*`--katas", section)
    assert {sentence} == without_katas, f"{name}: the commands without --katas are {without_katas}"
    for command, params in COMMANDS.items():
        assert command in listed, f"{name}'s commands table has no row for `kata {command}`"
        missing = [p[0] for p in params if p and not set(p) & listed[command] and p != ["--katas"]]
        assert not missing, f"{name}'s row for `kata {command}` lacks {', '.join(missing)}"


def test_the_chinese_readme_says_what_the_english_one_says():
    """Same sections, and the same commands with the same options (README.zh.md adds `--lang zh`)."""
    sections = [line for line in README.splitlines() if line.startswith("## ")]
    zh_sections = [line for line in ZH_README.splitlines() if line.startswith("## ")]
    assert len(zh_sections) == len(sections), (sections, zh_sections)
    english = {(command, option) for _, command, options in mentions(README) for option in [""] + options}
    chinese = {(command, option) for _, command, options in mentions(ZH_README) for option in [""] + options}
    assert chinese == english, f"only in README.md: {english - chinese}; only in README.zh.md: {chinese - english}"


def test_the_test_command_is_what_ci_runs():
    """The README's test steps are the lines of `.ci/run` that install the project and test it."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    block = README.split("Run the project's own tests", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    steps = [re.split(r"\s#\s", line)[0].strip() for line in block.splitlines()]
    assert ci.rstrip().endswith(steps[-1]) and steps[-1] == "python -m pytest -q"
    ci_lines = [line.strip().replace("python -m pip", "pip").replace("--quiet ", "") for line in ci.splitlines()]
    for step in steps:
        assert step in ci_lines, f"README's test step `{step}` is not what .ci/run does"
    zh_block = ZH_README.split("运行项目自己的测试", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    assert [re.split(r"\s#\s", line)[0].strip() for line in zh_block.splitlines()] == steps


def test_the_chinese_readme_holds_what_a_learner_needs():
    """A Chinese learner reads README.zh.md only: every learner command and the Jupyter section are there,
    and README.md's sections are English (a Chinese one there is missed by both readers)."""
    for name in LEARNER_COMMANDS:
        assert re.search(rf"kata (--lang zh )?{name}\b", ZH_README), f"README.zh.md lacks `kata {name}`"
    assert "## 在 Jupyter 中练习" in ZH_README and "%kata grade" in ZH_README
    headings = [line for line in README.splitlines() if line.startswith("#")]
    assert not [h for h in headings if re.search(r"[\u4e00-\u9fff]", h)], headings


def test_the_environment_variables_named_are_the_graders():
    """Every `KATA_*` variable a doc names is one the grader reads, and every one it reads is named."""
    code = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "grader").glob("*.py"))
    docs = "\n".join((ROOT / doc).read_text(encoding="utf-8") for doc in DOCS)
    named = set(re.findall(r"\bKATA_[A-Z_]+\b", docs))
    for variable in named:
        assert re.search(rf"\b{variable}\b", code), f"the docs name {variable}, which grader/ never reads"
    read = set(re.findall(r"[\"'](KATA_[A-Z_]+)[\"']", code))
    assert read and read <= named, f"grader/ reads {read - named}, which no doc names"
