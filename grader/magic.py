"""`%kata`: the kata command in IPython and Jupyter, after `%load_ext grader`.

`%kata setup ID [--workspace DIR] [--lang zh|en]`, `%kata grade [ID...] [--device D] [--timeout S]`,
`%kata hint [ID]`, `%kata list`, `%kata start ID [--notebook]`, `%kata notebook ID`,
`%kata reset ID --yes`. Each calls one function of grader.api and returns its result, which Jupyter
shows as HTML. Nothing here prompts: `reset` without `--yes` says what it would do and how to
confirm. A mistake (an unknown kata, a bad option) is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import TYPE_CHECKING, NoReturn

from grader import api
from grader.errors import KataError
from grader.i18n import detect_language, error_line

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting the kernel's process. The mistakes a learner makes most
    (an unknown command, a missing or extra word, a value of the wrong kind) are caught by `run` from
    typed facts and said in their language; argparse's own (English) sentence is the rest."""

    def error(self, message: str) -> NoReturn:
        raise KataError(f"{self.prog}: {message}")


_COMMANDS = ("setup", "grade", "hint", "start", "notebook", "reset", "list")


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="%kata", add_help=False)
    commands = top.add_subparsers(dest="command", required=True, parser_class=_Parser)
    setup = commands.add_parser("setup", add_help=False)
    setup.add_argument("kata", nargs="?")
    setup.add_argument("-w", "--workspace")
    setup.add_argument("--lang")  # checked by api.setup, in both languages
    setup.add_argument("--katas")
    grade = commands.add_parser("grade", add_help=False)
    grade.add_argument("ids", nargs="*")
    grade.add_argument("--device", default="auto")
    grade.add_argument("--timeout")  # a number, converted by `run`
    for name in ("hint", "start", "notebook", "reset"):
        command = commands.add_parser(name, add_help=False)
        command.add_argument("kata", nargs="?")  # required but by hint, checked by `run`
    commands.choices["start"].add_argument("--notebook", action="store_true")
    commands.choices["reset"].add_argument("-y", "--yes", action="store_true")
    commands.add_parser("list", add_help=False)
    return top


def _parsed(line: str) -> argparse.Namespace:
    """The `%kata` line's command and arguments; a KataError with a catalogue key for the usual mistakes."""
    words = shlex.split(line)
    if not words or words[0] not in _COMMANDS:
        raise KataError.of("magic_command", name=words[0] if words else "", commands=", ".join(_COMMANDS))
    args, extra = parser().parse_known_args(words)
    if extra:
        raise KataError.of("usage_extra", extra=" ".join(extra))
    if args.command in ("start", "notebook", "reset") and args.kata is None:
        raise KataError.of("usage_missing_argument", name="ID")
    if args.command == "grade" and args.timeout is not None:
        try:
            args.timeout = float(args.timeout)
        except ValueError:
            raise KataError.of("magic_bad_timeout", value=args.timeout) from None
    return args


def run(line: str) -> object:
    """Parse one `%kata` line and call the API; returns what the cell shows."""
    args = _parsed(line)
    if args.command == "setup":
        return _Note(api.setup(args.kata, args.workspace, args.lang, args.katas).describe())
    if args.command == "grade":
        return api.grade(*args.ids, device=args.device, timeout=args.timeout)
    if args.command == "hint":
        return api.hint(args.kata)
    if args.command == "list":
        return api.list_katas()
    if args.command == "start":
        return api.start(args.kata, notebook=args.notebook)
    if args.command == "notebook":
        return api.make_notebook(args.kata)
    if not args.yes:
        return _Note(api.reset_refusal(args.kata))
    return _Note(api.reset_message(args.kata, api.reset(args.kata)))


class _Note(str):
    """A line to show as the cell's result, without quotes."""

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))


def kata(line: str) -> object:
    lang = detect_language(api.SETTINGS.lang)  # the notebook's, from its `%kata setup` line
    try:
        return run(line)
    except (KataError, OSError) as exc:
        print(error_line(exc, lang), file=sys.stderr)
    return None


def register(ipython: InteractiveShell) -> None:
    ipython.register_magic_function(kata, magic_kind="line", magic_name="kata")
