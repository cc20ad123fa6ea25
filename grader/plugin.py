"""The pytest plugin that runs the exercise halves of the checks inside the grading child.

How it works: the zygote collects the exercise halves before any learner code exists and forks a
child per job; in the child, `JobContext` says where the learner's copy lives, which pipe carries the
results and what the judge's inputs are. Each exercise gets the learner's module through the
`solution` fixture (imported once per job from the private copy; an import failure becomes the same
clear message on every check), the device through `device` and its inputs through `inputs`; it
returns observations. After each exercise, one JSON line goes to the zygote: the observations
(encoded by observations.py), or the failure (the message names the learner's own file:line, never
grader frames), never a verdict. Messages are made valid text and cut to the channel's size here.

What it cannot do, and need not: the learner's code runs in this same process and could rewrite
this plugin or what it sends. Nothing sent here can pass a check: the judge (judge.py) compares the
observations with what it expects for this job's inputs, which the child learns only when it starts.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import signal
import sys
import threading
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest

from grader.channel import clip
from grader.i18n import say
from grader.notebook import NOTEBOOK_SUFFIX
from grader.observations import ObservationError, encode
from grader.results import safe_text

# torch's CPU allocator (and CUDA failing to start) raise a plain RuntimeError that only these
# words tell apart from any other; its accelerator allocators raise the typed torch.OutOfMemoryError
_ALLOCATOR_WORDS = ("can't allocate memory", "out of memory")


class CheckTimedOut(pytest.fail.Exception):
    """A check ran past its time limit: raised by this plugin's own timer for pytest-timeout, so
    that a timeout is told by its type (a learner's `pytest.fail("... timeout")` is a failure)."""


@pytest.hookimpl(tryfirst=True)
def pytest_timeout_set_timer(item: pytest.Item, settings) -> bool | None:
    """pytest-timeout's signal timer, raising CheckTimedOut; its own timer elsewhere than the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: object) -> None:
        raise CheckTimedOut(f"Timeout (>{settings.timeout}s)", pytrace=False)

    def cancel() -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)

    item.cancel_timeout = cancel  # what pytest-timeout's own cancel hook calls
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, settings.timeout)
    return True


def is_out_of_memory(exc: BaseException) -> bool:
    """Python's MemoryError, torch's typed one, or its allocator's RuntimeError (told by its words)."""
    if isinstance(exc, MemoryError):
        return True
    torch = sys.modules.get("torch")
    typed = getattr(torch, "OutOfMemoryError", None)
    if typed is not None and isinstance(exc, typed):
        return True
    return isinstance(exc, RuntimeError) and any(words in text_of(exc) for words in _ALLOCATOR_WORDS)


@dataclass
class JobContext:
    """What one grading job needs inside the child: set before the checks run."""

    solution_dir: Path
    files: tuple[str, ...]
    device: str = "cpu"
    data_dir: Path | None = None
    channel_fd: int | None = None
    modules: dict[str, ModuleType] = field(default_factory=dict)
    load_errors: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, object] = field(default_factory=dict)  # per check, made by the judge for this job


CONTEXT: JobContext | None = None
_RESULT_KEY = pytest.StashKey[dict]()
_RETURNED_KEY = pytest.StashKey[object]()
_STUB_MARKER = re.compile(r"exercise \d+\b")


def is_stub_marker(exc: BaseException) -> bool:
    """The `raise NotImplementedError("exercise N: ...")` a stub ships with; any other one is an error."""
    return type(exc) is NotImplementedError and bool(_STUB_MARKER.match(text_of(exc)))


def set_context(context: JobContext) -> None:
    global CONTEXT
    CONTEXT = context


def emit(record: dict) -> None:
    """Send one result record to the parent over the job's pipe (nothing else counts)."""
    if CONTEXT is None or CONTEXT.channel_fd is None:
        return
    if "message" in record:
        record = {**record, "message": clip(safe_text(record["message"]))}
    data = (json.dumps(record) + "\n").encode()
    while data:
        data = data[os.write(CONTEXT.channel_fd, data) :]


# --- loading the learner's code -----------------------------------------------------------------


# Engine messages are written in English from the catalogue (grader/i18n.py); the scorecard shows
# them in the learner's language.


def _at(message: str, where: tuple[str, int] | None) -> str:
    if where is None:
        return message or say("no_message", "en")
    if not message:  # `raise ValueError`: the place alone, never an empty ": "
        return say("at_location_only", "en", file=where[0], line=where[1])
    return say("at_location", "en", message=message, file=where[0], line=where[1])


def _describe_load_failure(file_name: str, exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        # a notebook's cells are compiled from files of their own: name the cell's file, not the module's
        if (
            exc.filename
            and Path(exc.filename).name != file_name
            and CONTEXT is not None
            and Path(exc.filename).parent == CONTEXT.solution_dir
        ):
            file_name = Path(exc.filename).name
        return say("syntax_error", "en", file=file_name, line=exc.lineno, detail=exc.msg)
    if isinstance(exc, SystemExit):
        return say("exit_at_import", "en", file=file_name, code=repr(exc.code))
    if isinstance(exc, pytest.skip.Exception):
        return say("skip_at_import", "en", file=file_name)
    if isinstance(exc, ImportError) and (exc.path or "").endswith(NOTEBOOK_SUFFIX):
        return text_of(exc)  # the notebook loader's own words: no line of the learner's code to name
    detail = _at(text_of(exc), learner_frame(exc.__traceback__))
    return say("raised_at_import", "en", file=file_name, error=type(exc).__name__, detail=detail)


def _unfinished_at_import(file_name: str, exc: NotImplementedError) -> str:
    """A call at module level reached an exercise that still raises: name the line that made the call."""
    detail = _at(text_of(exc) or say("still_raises", "en"), learner_frame(exc.__traceback__, module_level=True))
    return say("unfinished_at_import", "en", file=file_name, detail=detail)


def load_solution_module(name: str) -> ModuleType:
    """Import the learner's `name` (a file stem or file name) from the private copy, once per job."""
    context = _require_context()
    stem = name.removesuffix(".py")
    if stem in context.modules:
        return context.modules[stem]
    if stem in context.load_errors:
        pytest.fail(context.load_errors[stem], pytrace=False)
    path = context.solution_dir / f"{stem}.py"
    problem = _unreadable(path)
    if problem:
        context.load_errors[stem] = problem
        emit({"type": "load_error", "message": problem, "timeout": False})
        pytest.fail(problem, pytrace=False)
    if str(context.solution_dir) not in sys.path:
        sys.path.insert(0, str(context.solution_dir))
    spec = importlib.util.spec_from_file_location(stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[stem] = module
    try:
        spec.loader.exec_module(module)
    except CheckTimedOut:
        # A hang at import: this check times out and the others fail fast with the same news.
        sys.modules.pop(stem, None)
        message = say("import_hang", "en", file=path.name)
        context.load_errors[stem] = message
        emit({"type": "load_error", "message": message, "timeout": True})
        raise
    except NotImplementedError as exc:
        # Test code at the bottom of the file calling an unfinished exercise: everything defined above
        # the call is there, so the finished exercises still earn their points; the job says why it errs.
        emit({"type": "load_error", "message": _unfinished_at_import(path.name, exc), "timeout": False})
    except BaseException as exc:  # noqa: BLE001 - anything at import is the learner's error
        raise _load_failed(context, stem, path.name, exc) from None
    context.modules[stem] = module
    return module


def _unreadable(path: Path) -> str:
    """Why the learner's file cannot be imported before trying: missing, or not UTF-8 (e.g. saved as GBK)."""
    if not path.is_file():
        return say("file_missing", "en", file=path.name)
    data = path.read_bytes()
    try:  # UTF-8 unless the file declares another encoding (`# -*- coding: gbk -*-`), as Python reads it
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:  # no valid declaration and a first line that is not UTF-8
        encoding = "utf-8"
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return say("not_utf8", "en", file=path.name, line=data.count(b"\n", 0, exc.start) + 1)
    return ""


def _load_failed(context: JobContext, stem: str, file_name: str, exc: BaseException) -> BaseException:
    sys.modules.pop(stem, None)
    message = _describe_load_failure(file_name, exc)
    context.load_errors[stem] = message
    emit({"type": "load_error", "message": message, "timeout": False})
    return pytest.fail.Exception(message, pytrace=False)


def _require_context() -> JobContext:
    if CONTEXT is None:
        raise RuntimeError("no grading job: run checks through `kata grade`, or pass --kata-solution")
    return CONTEXT


# --- fixtures and markers -----------------------------------------------------------------------


@pytest.fixture
def solution() -> ModuleType:
    """The learner's main file (the first in kata.toml's `files`), imported from the private copy."""
    return load_solution_module(_require_context().files[0])


@pytest.fixture
def solution_module():
    """A loader for the learner's other files: `solution_module("model")`."""
    return load_solution_module


@pytest.fixture
def device():
    import torch

    return torch.device(_require_context().device)


@pytest.fixture
def inputs(request: pytest.FixtureRequest) -> object:
    """A judged check's inputs for this job, made by the judge from its secret seed."""
    return _require_context().inputs.get(request.node.name)


@pytest.fixture
def kata_data() -> Path:
    """The kata's own data folder (read-only for checks)."""
    context = _require_context()
    if context.data_dir is None:
        raise RuntimeError("this kata has no data/ folder")
    return context.data_dir


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): the check is worth n points (default 1)")
    config.addinivalue_line("markers", "cpu_only: the check only makes sense on the CPU")
    config.addinivalue_line("markers", "accelerator_only: the check needs an accelerator")


# --- reporting ----------------------------------------------------------------------------------


def learner_frame(tb, module_level: bool = False) -> tuple[str, int] | None:
    """(file, line) of the innermost frame in the learner's own files (with `module_level`: the
    innermost one running a file's top-level code, i.e. the call made at import), if any."""
    if CONTEXT is None:
        return None
    found = None
    root = str(CONTEXT.solution_dir)
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.startswith(root) and (not module_level or code.co_name == "<module>"):
            found = (Path(code.co_filename).name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _missing_function(exc: BaseException) -> str:
    """For `solution.f` where the learner's module has no `f`: plain words; "" for any other error."""
    if CONTEXT is None or not isinstance(exc, AttributeError):
        return ""
    owner = getattr(exc, "obj", None)
    module = next((m for m in CONTEXT.modules.values() if m is owner), None)
    if module is None or not getattr(exc, "name", None):
        return ""
    return say("missing_function", "en", file=Path(module.__file__ or module.__name__).name, name=exc.name)


def text_of(exc: BaseException) -> str:
    """str(exc), even when the learner's exception cannot say it (its __str__ raises or returns no str)."""
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - the learner's __str__ may raise anything
        return f"<{type(exc).__name__} that cannot be shown as text>"


def _failure(excinfo: pytest.ExceptionInfo) -> tuple[str, str]:
    """(outcome, message) for an exception raised in a check."""
    exc = excinfo.value
    text = text_of(exc)
    if isinstance(exc, CheckTimedOut):
        return "timeout", say("check_timeout", "en")
    if isinstance(exc, pytest.fail.Exception):
        return "failed", text
    where = learner_frame(excinfo.tb)
    if is_out_of_memory(exc):
        return "oom", _at(
            say("out_of_memory", "en", detail=text.splitlines()[0] if text else type(exc).__name__), where
        )
    if is_stub_marker(exc):
        return "failed", _at(say("not_started_yet", "en", detail=text or say("still_raises", "en")), where)
    missing = _missing_function(exc)
    if missing:
        return "failed", missing
    if isinstance(exc, AssertionError):
        # pytest's rewritten explanation follows a custom message after "\nassert ..."
        head = text.split("\nassert ")[0] if "\nassert " in text else "\n".join(text.splitlines()[:4])
        return "failed", _at(head, where)
    return "failed", _at(f"{type(exc).__name__}: {text}", where)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):
    """A judged kata's exercise returns its observations: keep them for the report."""
    if CONTEXT is None:
        return None
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    pyfuncitem.stash[_RETURNED_KEY] = pyfuncitem.obj(**arguments)
    return True


def _observed_record(item: pytest.Item, state: dict) -> dict:
    """What a passed exercise sends: its observations (the judge decides), or why they cannot travel."""
    try:
        return {
            "type": "observed",
            "id": item.name,
            "value": encode(item.stash.get(_RETURNED_KEY, None)),
            "duration": state["duration"],
        }
    except (ObservationError, RecursionError) as exc:
        return {
            "type": "check",
            "id": item.name,
            "outcome": "failed",
            "duration": state["duration"],
            "message": clip(say("cannot_send", "en", reason=exc)),
        }


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    state = item.stash.setdefault(_RESULT_KEY, {"outcome": "passed", "message": "", "duration": 0.0})
    state["duration"] += report.duration
    if state["outcome"] == "passed":
        if report.skipped and call.excinfo is not None:
            state.update(outcome="skipped", message=clip(text_of(call.excinfo.value)))
        elif report.failed and call.excinfo is not None:
            outcome, message = _failure(call.excinfo)
            state.update(outcome=outcome, message=clip(message))
    if call.when == "teardown" and CONTEXT is not None:
        emit(
            _observed_record(item, state)
            if state["outcome"] == "passed"
            else {"type": "check", "id": item.name, **state}
        )
    return report
