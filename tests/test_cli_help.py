"""What a learner reads from the real `kata` command: a kata's README rendered for the terminal, and --help
in their language with plain metavars. Each runs `python -m grader` in a fresh process, as a learner would."""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.cli_app import lang_first
from grader.i18n import say, width

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
RAW_MARKDOWN = re.compile(r"^#+ |^```|\*\*|`", re.MULTILINE)
TYPER_TYPES = ("<list[str]>", "<str>", "<path>", "<bool>", "<float", "[[ID]", "[ID]...]")


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A private pack holding only the tensors kata and its reference."""
    root = tmp_path / "pack"
    for folder in ("katas", "reference"):
        shutil.copytree(ROOT / folder / "01-tensors", root / folder / "01-tensors")
    return root / "katas"


def kata(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {name: value for name, value in os.environ.items() if name != "KATA_LANG"}
    environment.update({"COLUMNS": "80", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], capture_output=True, text=True, timeout=120, env=environment
    )


def _squashed(text: str) -> str:
    """`text` without the help panels' borders and line breaks, to find a help text however it wrapped."""
    return re.sub(r"[\s│]", "", text)


def _instructions(shown: str) -> str:
    """What `kata start` showed before its own lines (a blank line, "Started …", what to do next)."""
    return shown.rstrip("\n").rsplit("\n\n", 1)[0]


@pytest.mark.parametrize(
    "lang, readme, text",
    [
        ("zh", "README.zh.md", ["张量是 PyTorch 的数组", "你将学到", "常见错误"]),
        ("en", "README.md", ["What you learn"]),
    ],
)
def test_start_shows_the_readme_without_markdown_markers(pack: Path, tmp_path: Path, lang: str, readme: str, text):
    out = kata("--lang", lang, "start", "tensors", "-w", str(tmp_path / "ws"), "--katas", str(pack))
    assert out.returncode == 0, out.stderr
    instructions = _instructions(out.stdout)
    assert not RAW_MARKDOWN.search(instructions), instructions
    assert all(part in instructions for part in text) and "kata grade tensors" in instructions
    assert "\x1b[" not in out.stdout  # a pipe gets plain text
    prose = [line for line in instructions.splitlines() if not line.startswith("    ")]
    assert max(width(line) for line in prose) <= 80
    source = (pack / "01-tensors" / readme).read_text(encoding="utf-8")
    assert source.count("\n- ") == instructions.count("  • ")  # every bullet, none lost


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
def test_start_in_a_terminal_is_bold_and_fits_80_columns(pack: Path, tmp_path: Path):
    shown = _in_terminal(
        [sys.executable, "-m", "grader", "--lang", "zh", "start", "tensors", "-w", str(tmp_path / "ws")]
        + ["--katas", str(pack)],
        {"NO_COLOR": ""},
    )
    assert "\x1b[1m你将学到\x1b[0m" in shown and "\x1b[36m" in shown  # headings bold, code coloured
    plain = _instructions(ANSI.sub("", shown))
    assert not RAW_MARKDOWN.search(plain) and "张量是 PyTorch 的数组" in plain
    assert max(width(line) for line in plain.splitlines()) <= 80
    no_colour = _in_terminal(
        [sys.executable, "-m", "grader", "--lang", "zh", "start", "tensors", "-w", str(tmp_path / "ws2")]
        + ["--katas", str(pack)],
        {"NO_COLOR": "1"},
    )
    assert "\x1b[1m你将学到\x1b[0m" in no_colour and "\x1b[36m" not in no_colour


class _Terminal:
    """A command in an 80-column pseudo-terminal, as in a learner's terminal window."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None):
        import pty

        self.master, slave = pty.openpty()
        environment = {**os.environ, "TERM": "xterm", "COLUMNS": "80", **(env or {})}
        self.process = subprocess.Popen(
            command, stdin=slave, stdout=slave, stderr=slave, env=environment, start_new_session=True
        )
        os.close(slave)
        self.seen = b""

    def read_until(self, text: str | None, seconds: float = 120) -> str:
        """Everything shown so far, once `text` appears (None: once the command ends)."""
        deadline = time.monotonic() + seconds
        while (text is None or text.encode() not in self.seen) and time.monotonic() < deadline:
            if select.select([self.master], [], [], 1.0)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the command ended
                    break
                if not chunk:
                    break
                self.seen += chunk
            elif text is None and self.process.poll() is not None:
                break
        return self.seen.decode(errors="replace").replace("\r\n", "\n")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        os.close(self.master)


def _in_terminal(command: list[str], env: dict[str, str]) -> str:
    """What `command` shows in a pseudo-terminal, until it exits."""
    terminal = _Terminal(command, env)
    try:
        shown = terminal.read_until(None)
        assert terminal.process.wait(30) == 0, shown
    finally:
        terminal.close()
    return shown


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
@pytest.mark.slow
def test_watch_shows_the_next_katas_instructions_rendered(tmp_path: Path):
    pack = tmp_path / "pack"
    for folder in ("katas", "reference"):
        for kata_folder in ("01-tensors", "02-autograd"):
            shutil.copytree(ROOT / folder / kata_folder, pack / folder / kata_folder)
    workspace, katas = tmp_path / "ws", str(pack / "katas")
    assert kata("start", "tensors", "-w", str(workspace), "--katas", katas).returncode == 0
    shutil.copy(pack / "reference" / "01-tensors" / "tensors.py", workspace / "tensors" / "tensors.py")
    command = [sys.executable, "-m", "grader", "--lang", "zh", "watch", "tensors", "-w", str(workspace)]
    terminal = _Terminal([*command, "--katas", katas])
    try:
        assert say("watch_keys", "zh").strip() in terminal.read_until(say("watch_keys", "zh").strip())
        for _ in range(20):  # press again until seen: keys are read once the first scorecard is drawn
            os.write(terminal.master, b"n")
            if "进入 autograd" in terminal.read_until("进入 autograd", 3):
                break
        shown = terminal.read_until("常见错误", 60)  # the last heading of autograd's README.zh.md
        shown = shown[shown.index("进入 autograd") :]
        assert "\x1b[1m你将学到\x1b[0m" in shown and not RAW_MARKDOWN.search(ANSI.sub("", shown)), shown
        os.write(terminal.master, b"q")
        assert terminal.process.wait(60) == 0
    finally:
        terminal.close()


def test_grade_help_in_chinese_has_chinese_headings_and_plain_metavars():
    out = kata("--lang", "zh", "grade", "--help")
    assert out.returncode == 0, out.stderr
    for key in ("help_arguments", "help_options", "help_help", "help_grade", "help_grade_all", "help_timeout"):
        assert _squashed(say(key, "zh")) in _squashed(out.stdout), (key, out.stdout)
    assert "用法：kata grade [OPTIONS] [ID]..." in out.stdout and say("help_default", "zh", value="auto") in out.stdout
    assert not [word for word in ("Usage", "Arguments", "Options", "Show this message") if word in out.stdout]
    assert not [kind for kind in TYPER_TYPES if kind in out.stdout], out.stdout
    assert "…" not in out.stdout  # Chinese help folds at the panel's edge, never cut short
    assert re.search(r"--workspace\s+-w\s+PATH", out.stdout) and re.search(r"--verbose\s+-v\s+列出", out.stdout)


def test_help_follows_kata_lang_for_the_command_list_and_start():
    main = kata("--help", env={"KATA_LANG": "zh"})
    assert say("help_commands", "zh") in main.stdout and _squashed(say("help_start", "zh")) in _squashed(main.stdout)
    start = kata("start", "--help", env={"KATA_LANG": "zh"})
    for key in ("help_start_id", "help_notebook", "help_required"):
        assert _squashed(say(key, "zh")) in _squashed(start.stdout), (key, start.stdout)
    assert not [kind for kind in TYPER_TYPES if kind in start.stdout + main.stdout]


def test_the_chinese_command_list_holds_no_english_sentence():
    from grader.bilingual import untranslated

    main = kata("--lang", "zh", "--help").stdout
    commands = main[main.index(say("help_commands", "zh")) :]  # the instructor commands' lines included
    assert "verify" in commands and "export" in commands and not untranslated(commands), commands


@pytest.mark.parametrize(
    "command", ["batch", "merge", "import", "verify", "export", "export gradescope", "export prairielearn"]
)
def test_the_instructor_commands_help_in_chinese_holds_no_english_sentence(command: str):
    """Each option and argument of an instructor command, and each `export` command, described in Chinese:
    what is left in English is code, an option's spelling or a default value, never a sentence."""
    from grader.bilingual import untranslated

    out = kata("--lang", "zh", *command.split(), "--help", env={"COLUMNS": "200"})  # one line per option: nothing wraps
    assert out.returncode == 0, out.stderr
    usage = say("help_usage", "zh")
    page = out.stdout[out.stdout.index(usage) :].split("\n", 1)[1]  # the usage line names the command in English
    before, after = (re.escape(part) for part in say("help_default", "zh", value="\0").split("\0"))
    described = re.sub(rf"{before}[^\]]*{after}|(?<![\w-])--?[A-Za-z][\w-]*", " ", page)  # defaults, spellings
    assert say("help_options", "zh") in page and not untranslated(described), out.stdout


def test_english_help_keeps_the_english_words_and_plain_metavars():
    out = kata("--lang", "en", "hint", "--help")
    assert "Usage: kata hint [OPTIONS] {ID} [N]" in out.stdout and "Arguments" in out.stdout
    assert "Show this message and exit." in out.stdout and say("help_hint_n", "en") in out.stdout
    assert not [kind for kind in (*TYPER_TYPES, "[[N]]") if kind in out.stdout], out.stdout


def test_a_usage_error_in_chinese():
    out = kata("--lang", "zh", "start")
    assert out.returncode == 2
    assert "用法：kata start" in out.stderr and say("help_error", "zh") in out.stderr and "查看帮助" in out.stderr
    out = kata("--lang", "zh")  # no command at all
    assert out.returncode == 2 and say("usage_missing_command", "zh") in out.stderr and "Missing" not in out.stderr


@pytest.mark.parametrize("args", [("list", "--lang", "zh"), ("list", "--lang=zh"), ("--lang", "zh", "list")])
def test_lang_before_or_after_the_command(args, tmp_path):
    """`kata list --lang zh` is as natural a guess as `kata --lang zh list`: both speak Chinese."""
    out = kata(*args, "-w", str(tmp_path), env={"KATA_LANG": "en"})  # a workspace of its own
    assert out.returncode == 0 and say("title", "zh") in out.stdout, out.stdout + out.stderr


@pytest.mark.parametrize(
    ("given", "parsed"),
    [
        (["grade", "tensors", "--lang", "zh", "-v"], ["--lang", "zh", "grade", "tensors", "-v"]),
        (["grade", "--lang=en"], ["--lang=en", "grade"]),
        (["--lang", "zh", "grade"], ["--lang", "zh", "grade"]),
        (["grade", "--lang"], ["--lang", "", "grade"]),  # no value: refused as not zh or en
        (["--lang"], ["--lang"]),  # nothing else: click says --lang needs a value
        (["grade", "--", "--lang", "zh"], ["grade", "--", "--lang", "zh"]),  # after --, an argument
    ],
)
def test_lang_first_moves_only_the_language_option(given, parsed):
    assert lang_first(given) == parsed


def test_output_whose_encoding_lacks_the_characters_is_escaped_not_a_traceback(pack: Path, tmp_path: Path):
    # Windows' cp1252 when the output is redirected: no ✓, • or Chinese
    args = ("--lang", "zh", "start", "tensors", "-w", str(tmp_path / "ws"), "--katas", str(pack))
    out = subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "cp1252"},
    )
    assert out.returncode == 0 and b"Traceback" not in out.stderr, out.stderr
    assert b"\\u5f20\\u91cf" in out.stdout  # 张量, as an escape
