"""The typer app of the `kata` command, in the learner's language: errors a user can cause or fix
are one line and exit code 2, never a traceback; usage errors and --help are worded from click's typed
exceptions and the catalogue (click words its own sentences in English only)."""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING, Any, Callable, NoReturn, Optional

import typer
from typer.core import TyperCommand, TyperGroup

from grader.errors import KataError
from grader.i18n import detect_language, error_line, say

if TYPE_CHECKING:
    from typer._click.core import Command, Parameter
    from typer._click.exceptions import BadParameter, UsageError


class Session:
    """What the command line chose for this run: the learner's language (`--lang`, else KATA_LANG, else the locale)."""

    lang = "en"


class App(typer.Typer):
    """Turns the errors a user can cause or fix into one line and exit code 2, never a traceback: the
    one place that does, so commands raise `KataError` and let it through. Usage errors (a missing
    argument, an unknown option) are said here too, in the learner's language: click is run with
    `standalone_mode=False`, so they reach this wrapper instead of being printed in English."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable], Callable]:
        kwargs.setdefault("cls", _Command)
        return super().command(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        from typer import _click
        from typer.exceptions import Abort

        kwargs["args"] = lang_first(sys.argv[1:] if kwargs.get("args") is None else list(kwargs["args"]))
        _escape_what_the_output_cannot_encode()
        try:
            code = super().__call__(*args, standalone_mode=False, **kwargs)
        except (KataError, OSError) as exc:
            typer.echo(error_line(exc, Session.lang), err=True)
        except _click.exceptions.NoArgsIsHelpError:
            raise SystemExit(2) from None  # the help is already shown
        except _click.exceptions.UsageError as exc:
            _show_usage_error(exc, _help_language())
        except _click.exceptions.ClickException as exc:  # none of ours raises another kind: click's words
            exc.show()
            raise SystemExit(exc.exit_code) from None
        except Abort:  # a prompt answered with Ctrl-C or Ctrl-D
            from typer import rich_utils

            _localise_rich_help(_help_language())
            typer.echo("", err=True)  # off the prompt's line
            rich_utils.rich_abort_error()
            raise SystemExit(1) from None
        else:
            raise SystemExit(code if isinstance(code, int) else 0)
        raise SystemExit(2)


def _escape_what_the_output_cannot_encode() -> None:
    """A pipe or console whose encoding lacks ✓ or Chinese (Windows' cp1252 or GBK when redirected)
    shows those characters as escapes (\\u2713) instead of stopping mid-scorecard with a traceback."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def lang_first(args: list[str]) -> list[str]:
    """`args` with every `--lang X` (or `--lang=X`) moved to the front: `kata grade --lang zh` is as
    natural a guess as `kata --lang zh grade`, and the app's option is parsed before the command's.
    Nothing after `--` moves (there it is an argument, not an option)."""
    end = args.index("--") if "--" in args else len(args)
    moved: list[str] = []
    kept: list[str] = []
    i = 0
    while i < end:
        if args[i] == "--lang":
            # no value left: an empty one, which is refused as "--lang must be zh or en, not ''"
            moved += ["--lang", args[i + 1] if i + 1 < end else ""]
            i += 2
            continue
        (moved if args[i].startswith("--lang=") else kept).append(args[i])
        i += 1
    return moved + kept + args[end:] if kept else args


def _help_language() -> str:
    """--help is built before the options are parsed, so its language comes from the command line itself."""
    args = sys.argv[1:]
    for i, arg in enumerate(args):
        if arg.startswith("--lang="):
            return detect_language(arg.partition("=")[2])
        if arg == "--lang" and i + 1 < len(args):
            return detect_language(args[i + 1])
    return detect_language(None)


def help_text(key: str) -> str:
    """A learner-facing --help text from the catalogue."""
    return say(key, _help_language())


class _Formatter(typer.Context.formatter_class):
    """click's help formatter, with "Usage:" in the learner's language. The usage line is the first thing
    typer draws on a help page or above a usage error, so the words it draws next are set here too: only
    then, since loading typer's rich_utils costs a command ~0.4 s."""

    def write_usage(self, prog: str, args: str = "", prefix: Optional[str] = None) -> None:
        lang = _help_language()
        _localise_rich_help(lang)
        super().write_usage(prog, args, say("help_usage", lang) if prefix is None else prefix)


class _Context(typer.Context):
    """Every command's context: its --help speaks the learner's language and shows plain metavars."""

    formatter_class = _Formatter

    def __init__(self, command: Command, *args: Any, **kwargs: Any) -> None:
        super().__init__(command, *args, **kwargs)
        help_option = command.get_help_option(self)
        if help_option is not None:
            help_option.help = say("help_help", _help_language())
        for param in command.get_params(self):
            _plain_metavar(param)


def _plain_metavar(param: Parameter) -> None:
    """A metavar a learner reads as a word (ID, PATH; nothing for a flag), not typer's type (<list[str]>, <bool>)."""
    from typer import core

    if isinstance(param, core.TyperArgument):
        param.display_type_rich = _no_type  # its name (ID) already says what it takes
    elif isinstance(param, core.TyperOption) and param.metavar is None:
        # a flag takes no value; any other option is named after itself (--out OUT)
        param.metavar = "" if param.is_flag else max(param.opts, key=len).lstrip("-").upper()


def _no_type(ctx: typer.Context) -> None:
    return None


def _localise_rich_help(lang: str) -> None:
    """The words typer's rich help draws around our texts (module constants it reads each time it draws)."""
    from rich.text import Text
    from typer import rich_utils

    rich_utils.ARGUMENTS_PANEL_TITLE = say("help_arguments", lang)
    rich_utils.OPTIONS_PANEL_TITLE = say("help_options", lang)
    rich_utils.COMMANDS_PANEL_TITLE = say("help_commands", lang)
    rich_utils.DEFAULT_STRING = say("help_default", lang, value="{}")
    rich_utils.REQUIRED_LONG_STRING = say("help_required", lang)
    rich_utils.ERRORS_PANEL_TITLE = say("help_error", lang)
    rich_utils.RICH_HELP = say("help_try", lang, command="[blue]'{command_path} {help_option}'[/]")
    rich_utils.ABORTED_TEXT = say("help_aborted", lang)
    make_text = getattr(rich_utils, "_make_rich_text", None)  # typer 0.29's name; older ones: cut as before
    if make_text is None or getattr(make_text, "folds", False):
        return

    def folding(*args, **kwargs):
        # rich breaks a table cell's text at spaces only and cuts a longer word with …: Chinese has no
        # spaces, so a help text folds at the cell's edge instead
        text = make_text(*args, **kwargs)
        if isinstance(text, Text):
            text.overflow = "fold"
        return text

    folding.folds = True
    rich_utils._make_rich_text = folding


class _ExtraArguments(Exception):
    """Words on the command line that no parameter takes (click only gives them as a sentence)."""

    def __init__(self, extra: list[str]):
        super().__init__(" ".join(extra))
        self.extra = extra


class _UnknownCommand(Exception):
    """A command name the group does not have, and the close ones."""

    def __init__(self, name: str, close: list[str]):
        super().__init__(name)
        self.name, self.close = name, close


class _Command(TyperCommand):
    """Every command: a `_Context`, and extra words on the command line as a typed error."""

    context_class = _Context

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        from typer import _click

        allowed, ctx.allow_extra_args = ctx.allow_extra_args, True
        try:
            rest = super().parse_args(ctx, args)
        except _click.exceptions.UsageError as exc:
            exc.ctx = exc.ctx or ctx  # the parser's own errors come without one: the usage line needs it
            raise
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise _usage_error(ctx, _ExtraArguments(rest))
        return rest


class Group(TyperGroup):
    """The app's command groups: each command's context is a `_Context`; an unknown command is typed."""

    context_class = _Context

    def __init__(self, **settings) -> None:
        super().__init__(**settings)
        for command in self.commands.values():
            command.context_class = _Context

    def resolve_command(self, ctx: typer.Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        import difflib

        if args and not args[0].startswith("-") and self.get_command(ctx, args[0]) is None:
            close = difflib.get_close_matches(args[0], list(self.commands))
            raise _usage_error(ctx, _UnknownCommand(args[0], close))
        return super().resolve_command(ctx, args)


def _usage_error(ctx: typer.Context, cause: Exception) -> UsageError:
    """click's UsageError for `cause`, which `_usage_text` says in the learner's language."""
    from typer import _click

    error = _click.exceptions.UsageError(str(cause), ctx)
    error.__cause__ = cause
    return error


def _show_usage_error(exc: UsageError, lang: str) -> NoReturn:
    """The usage line, where to find help, and what was wrong, as typer draws them, in `lang`."""
    from typer import _click, rich_utils

    _localise_rich_help(lang)
    rich_utils.rich_format_error(_click.exceptions.UsageError(_usage_text(exc, lang), getattr(exc, "ctx", None)))
    raise SystemExit(exc.exit_code)


def _usage_text(exc: UsageError, lang: str) -> str:
    """What was wrong on the command line, from the exception's type and fields (click words its own
    sentences in English only); one it does not know keeps click's words."""
    from typer._click import exceptions as click

    cause = exc.__cause__
    if isinstance(cause, _ExtraArguments):
        return say("usage_extra", lang, extra=" ".join(cause.extra))
    if isinstance(cause, _UnknownCommand):
        maybe = say("usage_maybe", lang, choices=", ".join(cause.close)) if cause.close else ""
        return say("usage_no_command", lang, name=cause.name) + maybe
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        key = "usage_missing_option" if exc.param.param_type_name == "option" else "usage_missing_argument"
        return say(key, lang, name=exc.param.get_error_hint())
    if isinstance(exc, click.NoSuchOption):
        maybe = say("usage_maybe", lang, choices=", ".join(exc.possibilities)) if exc.possibilities else ""
        return say("usage_no_option", lang, option=exc.option_name) + maybe
    if isinstance(exc, click.BadOptionUsage) and exc.ctx is not None:
        flags = [p for p in exc.ctx.command.get_params(exc.ctx) if exc.option_name in getattr(p, "opts", ())]
        key = "usage_no_value" if flags and getattr(flags[0], "is_flag", False) else "usage_needs_value"
        return say(key, lang, option=exc.option_name)
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        return _bad_value(exc, lang)
    if type(exc) is click.UsageError and exc.ctx is not None and isinstance(exc.ctx.command, TyperGroup):
        return say("usage_missing_command", lang)  # a group's one plain usage error: no command given
    return exc.format_message()


def _bad_value(exc: BadParameter, lang: str) -> str:
    """A value a parameter refused: the bound it broke or the kind of value it needs, when typer's
    validation error says so in its fields."""
    errors = getattr(exc.__cause__, "errors", None)
    error = errors()[0] if callable(errors) and errors() else {}
    kind, bounds = error.get("type"), error.get("ctx") or {}
    name, value = exc.param.get_error_hint(), repr(error.get("input", ""))
    text = say("usage_bad_value", lang, name=name, value=value)
    if kind == "greater_than_equal":
        return text + say("usage_at_least", lang, bound=f"{bounds.get('ge'):g}")
    if kind == "less_than_equal":
        return text + say("usage_at_most", lang, bound=f"{bounds.get('le'):g}")
    if kind == "int_parsing":
        return text + say("usage_integer", lang)
    if kind == "float_parsing":
        return text + say("usage_number", lang)
    return text + say("usage_invalid", lang)
