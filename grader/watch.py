"""`kata watch`: re-grade the kata being worked on every time one of its files is saved.

How it works: one warm `Worker` (torch, pytest and the kata's checks loaded once) lives as long as
the kata is watched, so a save costs one forked child, not a fresh interpreter. `events()` merges two
sources into one stream: batches of file changes from `watchfiles` (a burst of writes from one save
arrives as one batch) and, when stdin is a terminal, single key presses read in cbreak mode.
`watch_loop()` turns that stream into updates (results and messages) for the CLI to render; it holds
the logic and is what the tests drive. The learner's code crashing, hanging or not parsing mid-edit
is the grading child's problem: the engine reports it as a status and the loop goes on.

What it cannot do: stop a grading already running when a newer save arrives (it finishes, or hits
the kata's timeout, first), or act on a key before the grading in progress is done.
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from queue import Queue
from typing import Callable, Iterable, Iterator, Union

from grader.catalog import Catalog, Kata
from grader.grading import grade_workspace
from grader.i18n import say
from grader.results import KataResult
from grader.sandbox import Limits
from grader.terminal_markdown import fitting_columns, indented
from grader.worker import Progress, Worker
from grader.workspace import StateNotSaved, Workspace

Change = tuple[object, str]  # watchfiles' (Change, path)
Event = Union[set[Change], str]  # one debounced batch of file changes, or one key press
_STEP_MS = 50  # quiet time that ends a batch of changes: the save-to-feedback latency floor


def pick_kata(catalog: Catalog, space: Workspace) -> Kata:
    """The first started kata not solved (for its current version), else the first started one. Some kata
    must be started: watch never starts one on its own (`kata start` shows the instructions)."""
    return space.first_unfinished(catalog) or space.started(catalog)[0]


@dataclass(frozen=True)
class Instructions:
    """The next kata: a line saying so, and its README (Markdown, for the CLI to render)."""

    message: str
    markdown: str


class WatchSession:
    """The kata being watched, its warm worker, and what the keys do."""

    def __init__(
        self,
        catalog: Catalog,
        space: Workspace,
        kata: Kata,
        device: str = "cpu",
        limits: Limits | None = None,
        lang: str = "en",
    ):
        self.catalog, self.space, self.device, self.lang = catalog, space, device, lang
        self.limits = limits or Limits()
        # how a grading in progress shows itself (the CLI's progress line on a terminal): a save is
        # never met by silence while a slow kata grades
        self.announce: Callable[[list[Kata]], None] | None = None
        self.progress: Callable[[], AbstractContextManager[Progress | None]] = nullcontext
        self.last: KataResult | None = None
        self.unsaved: StateNotSaved | None = None  # why the last grade could not be recorded
        self._switch(kata)

    def _switch(self, kata: Kata) -> None:
        self.space.start(kata)  # never overwrites the learner's files
        self.kata = kata
        self.worker = Worker([kata])  # collects the checks once; every save reuses them
        self.last = None

    def grade(self) -> KataResult:
        with self.progress() as progress:
            graded = grade_workspace(
                self.worker, self.space, [self.kata], self.device, self.limits, self.announce, progress
            )
        [self.last], self.unsaved = graded, graded.unsaved
        return self.last

    def touches(self, changes: set[Change]) -> bool:
        """Whether a batch of changes saved one of this kata's files (not .kata/ state, not backups)."""
        folder = self.space.folder(self.kata).resolve()
        names = {*self.kata.files, f"{self.kata.id}.ipynb"}  # a notebook is graded in place of the .py
        return any(Path(path).name in names and Path(path).parent.resolve() == folder for _, path in changes)

    def hint(self) -> str:
        hint = self.space.next_hint(self.kata, self.lang)
        shown = hint.shown(self.kata.id, self.lang, fitting_columns(sys.stdout))
        return shown if hint.unsaved is None else f"{shown}\n{hint.unsaved.say(self.lang)}"

    def advance(self) -> str | Instructions:
        """Move to the next kata once this one is at full points; says what happened."""
        if self.last is None or not self.last.full_marks:
            return say("watch_not_done", self.lang, id=self.kata.id)
        later = [k for k in self.catalog if k.order > self.kata.order]
        if not later:
            return say("watch_last", self.lang)
        self._switch(later[0])
        return Instructions(
            say("watch_next", self.lang, id=self.kata.id, path=self.space.folder(self.kata) / self.kata.files[0]),
            self.kata.readme(self.lang).read_text(encoding="utf-8").rstrip(),
        )

    def footer(self, keys: bool, columns: int | None = None) -> str:
        """What is watched and the keys; folded at spaces to `columns` (a terminal's width) when given."""
        line = say("watch_footer", self.lang, path=self.space.folder(self.kata))
        line += say("watch_keys", self.lang) if keys else ""
        return "\n".join(indented([line], "", columns))


def watch_loop(session: WatchSession, events: Iterable[Event]) -> Iterator[KataResult | str | Instructions]:
    """Grade now, then again after every batch of changes to the kata's files; keys h, n, q act."""
    yield session.grade()
    for event in events:
        if isinstance(event, str):
            key = event.lower()
            if key == "q":
                return
            if key == "h":
                yield session.hint()
            elif key == "n":
                before = session.kata
                yield session.advance()
                if session.kata is not before:
                    yield session.grade()
        elif session.touches(event):
            yield session.grade()


def clear_screen() -> None:
    """Clear the terminal before a new scorecard (ANSI; Windows' console via `cls`)."""
    if sys.platform == "win32":
        os.system("cls")
    else:
        sys.stdout.write("\033[H\033[2J")
        sys.stdout.flush()


def events(root: Path, poll: bool = False, keys: bool = False) -> Iterator[Event]:
    """File changes under `root` (and key presses, if `keys`) as one stream, until closed."""
    import watchfiles

    queue: Queue[Event] = Queue()
    stop = threading.Event()

    def watch_files() -> None:
        for batch in watchfiles.watch(
            root, step=_STEP_MS, stop_event=stop, raise_interrupt=False, force_polling=True if poll else None
        ):
            queue.put(batch)

    threading.Thread(target=watch_files, daemon=True).start()
    try:
        with _cbreak(sys.stdin.fileno()) if keys else nullcontext():
            if keys:
                threading.Thread(target=_read_keys, args=(sys.stdin.fileno(), queue), daemon=True).start()
            while True:
                yield queue.get()
    finally:
        stop.set()


def _read_keys(fd: int, queue: Queue) -> None:
    while key := os.read(fd, 1):
        queue.put(key.decode(errors="replace"))


@contextmanager
def _cbreak(fd: int) -> Iterator[None]:
    """Single keys without Enter, echo off; the terminal is restored however the watch ends."""
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
