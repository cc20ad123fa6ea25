"""The learner's workspace: `<root>/<kata-id>/<files>` plus `<root>/.kata/state.json`.

Start copies a stub without ever overwriting a learner's file; reset backs the old files up first.
The state file remembers, per kata, the best result (which gates `kata solution`), the last one
(with a fingerprint of the files it graded, so a bare `kata grade` skips unchanged katas) and the
hints seen on each exercise's ladder. A stored result counts only for the kata version it graded:
new checks make old points stale. Every change to it is a locked read-modify-write ending in an
atomic rename, so two `kata` commands at once never lose an update or leave half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from grader.catalog import Catalog, Kata
from grader.errors import KataError
from grader.i18n import pick, say
from grader.results import PASSED, KataResult
from grader.terminal_markdown import indented
from grader.sandbox import files_that_count

STATE_DIR = ".kata"
DEFAULT_NAME = "kata-workspace"
GENERAL = ""  # the ladder key of a kata's own hints (exercise ladders use the exercise number)


def _is_workspace(folder: Path) -> bool:
    return (folder / STATE_DIR).is_dir()


def find_root(explicit: Path | None = None, start: Path | None = None) -> Path:
    """`-w DIR` (or the workspace inside it), else the nearest workspace upward, else `./kata-workspace`."""
    if explicit is not None:
        folder = Path(explicit).resolve()
        inner = folder / DEFAULT_NAME
        return inner if not _is_workspace(folder) and _is_workspace(inner) else folder
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_workspace(folder):
            return folder
    return here / DEFAULT_NAME


def workspace_nearby(start: Path | None = None) -> Path | None:
    """A workspace beside or below the current folder, or in the home folder: where the learner's
    katas probably are when none is found upward (they ran `kata` from the wrong folder)."""
    here = (start or Path.cwd()).resolve()
    candidates = [
        here / DEFAULT_NAME,
        *sorted(here.glob(f"*/{STATE_DIR}")),
        *sorted(here.parent.glob(f"*/{STATE_DIR}")),
        *sorted(here.parent.glob(f"*/{DEFAULT_NAME}")),
        Path.home() / DEFAULT_NAME,
    ]
    for candidate in candidates:
        folder = candidate.parent if candidate.name == STATE_DIR else candidate
        if _is_workspace(folder):
            return folder
    return None


def fingerprint(folder: Path, names: tuple[str, ...]) -> str:
    """A hash of the files a grading job would copy (`files_that_count`): equal hashes, nothing to grade again."""
    digest = hashlib.sha256()
    for path in files_that_count(folder, names):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Hint:
    number: int
    total: int
    text: str
    exercise: int | None  # None: the kata's own ladder

    def heading(self, kata_id: str, lang: str) -> str:
        if self.exercise is None:
            return say("hint", lang, n=self.number, total=self.total, id=kata_id)
        return say("hint_for", lang, n=self.number, total=self.total, id=kata_id, exercise=self.exercise)

    def shown(self, kata_id: str, lang: str, columns: int | None) -> str:
        """The heading, then the hint indented (folded to `columns`, a terminal's width, when given)."""
        return "\n".join([self.heading(kata_id, lang), *indented([self.text], "  ", columns)])


class Workspace:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.state_path = self.root / STATE_DIR / "state.json"

    def folder(self, kata: Kata) -> Path:
        return self.root / kata.id

    def is_started(self, kata: Kata) -> bool:
        return self.folder(kata).is_dir()

    # -- state ----------------------------------------------------------------------------------

    def _state(self) -> dict:
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
            return state if isinstance(state, dict) else {}
        except (OSError, ValueError):
            return {}

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time (POSIX advisory lock; elsewhere the atomic rename alone)."""
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:
            yield
            return
        with open(self.state_path.with_name("state.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _update(self, change: Callable[[dict], object]) -> object:
        """Apply `change` to the state under the lock and write it atomically; returns what it returned."""
        with self._locked():
            state = self._state()
            answer = change(state)
            handle, temporary = tempfile.mkstemp(dir=self.state_path.parent, prefix="state.", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(state, out, indent=2, ensure_ascii=False)
                os.replace(temporary, self.state_path)  # atomic: a crash never leaves half a state file
            except BaseException:
                Path(temporary).unlink(missing_ok=True)  # a failed write (a full disk) leaves no litter
                raise
            return answer

    def started(self, catalog: Catalog) -> list[Kata]:
        return [k for k in catalog if self.is_started(k)]

    def next_kata(self, catalog: Catalog, finished: Iterable[str]) -> Kata | None:
        """The first kata not yet started after the last of `finished` (ids), if any."""
        orders = [catalog.get(i).order for i in finished]
        if not orders:
            return None
        return next((k for k in catalog if k.order > max(orders) and not self.is_started(k)), None)

    def best(self, kata: Kata) -> dict | None:
        """The best result ever stored, whatever kata version it graded (see `solved`)."""
        return self._state().get("best", {}).get(kata.id)

    def solved(self, kata: Kata) -> bool:
        """Full points stored for the kata's current version: what unlocks its solution."""
        best = self.best(kata)
        return best is not None and best.get("status") == PASSED and best.get("version") == kata.version

    def last(self, kata: Kata) -> dict | None:
        """The last result of this kata since it was started or reset, if it is for its current version."""
        last = self._state().get("last", {}).get(kata.id)
        return last if last and last.get("version") == kata.version else None

    def passing(self, kata: Kata) -> bool:
        """Whether the last grade of the kata's current version was at full points."""
        last = self.last(kata)
        return last is not None and last.get("status") == PASSED

    def changed(self, kata: Kata) -> bool:
        """Whether the kata's files changed since their last grade (or it was never graded)."""
        last = self.last(kata)
        return last is None or last.get("fingerprint") != fingerprint(self.folder(kata), kata.files)

    def record(self, result: KataResult, graded: str | None = None) -> None:
        """Remember a result; `graded` is the fingerprint of the files as they were graded (None: not
        known, so the next `kata grade` grades the kata again)."""
        failing = result.first_failure()
        entry = {
            "points": result.points,
            "max_points": result.max_points,
            "status": result.status,
            "version": result.version,
        }

        def change(state: dict) -> None:
            best = state.setdefault("best", {})
            previous = best.get(result.kata)
            if (
                previous is None
                or result.points >= previous.get("points", 0)
                or previous.get("version") != result.version
            ):
                best[result.kata] = entry
            state.setdefault("last", {})[result.kata] = {
                **entry,
                "fingerprint": graded,
                "first_failure": failing.id if failing else None,
            }

        self._update(change)

    # -- start / reset --------------------------------------------------------------------------

    def start(self, kata: Kata) -> list[tuple[str, bool]]:
        """Copy the stub in; returns (file, created) — existing files are kept untouched."""
        target = self.folder(kata)
        if target.exists() and not target.is_dir():
            raise KataError(f"{target} exists and is not a folder")
        target.mkdir(parents=True, exist_ok=True)
        (self.root / STATE_DIR).mkdir(exist_ok=True)
        report = []
        for name in kata.files:
            destination = target / name
            if destination.exists():
                report.append((name, False))
            else:
                shutil.copyfile(kata.stub / name, destination)
                report.append((name, True))
        return report

    def reset(self, kata: Kata) -> Path:
        """Back up the learner's files, put the stub back and start the kata's hints and last result
        afresh (the best result stays: it unlocked the solution). Returns the backup folder."""
        target = self.folder(kata)
        backup = self.root / STATE_DIR / "backups" / f"{kata.id}-{time.strftime('%Y%m%d-%H%M%S')}"
        backup.mkdir(parents=True, exist_ok=True)
        for name in kata.files:
            if (target / name).exists():
                shutil.copy2(target / name, backup / name)
                (target / name).unlink()
        self.start(kata)

        def forget(state: dict) -> None:
            state.get("hints_used", {}).pop(kata.id, None)
            state.get("last", {}).pop(kata.id, None)

        self._update(forget)
        return backup

    # -- hints ----------------------------------------------------------------------------------

    def _ladder(self, kata: Kata, state: dict, lang: str) -> tuple[str, int | None, tuple[str, ...]]:
        """(key, exercise, hints in `lang`) of the ladder for the kata's first failing check."""
        last = state.get("last", {}).get(kata.id) or {}
        exercise = kata.hints_for(last.get("first_failure"))
        if exercise is None and not kata.hints:
            exercise = kata.exercise_hints[0]  # never graded: start with the first exercise
        if exercise is None:
            return GENERAL, None, pick(kata.hints, lang)
        return str(exercise.exercise), exercise.exercise, pick(exercise.hints, lang)

    @staticmethod
    def _used(state: dict, kata: Kata) -> dict[str, int]:
        used = state.setdefault("hints_used", {})
        if not isinstance(used.get(kata.id), dict):  # a count from before hints were per exercise
            used[kata.id] = {}
        return used[kata.id]

    def next_hint(self, kata: Kata, lang: str) -> Hint:
        """The next hint on the ladder of the exercise failing first (the last one repeats)."""

        def climb(state: dict) -> Hint:
            key, exercise, hints = self._ladder(kata, state, lang)
            used = self._used(state, kata)
            number = min(int(used.get(key, 0)) + 1, len(hints))
            used[key] = number
            return Hint(number, len(hints), hints[number - 1], exercise)

        return self._update(climb)

    def seen_hints(self, kata: Kata, lang: str) -> list[Hint]:
        """Every hint already shown, ladder by ladder (the kata's own first, then by exercise)."""
        used = self._state().get("hints_used", {}).get(kata.id)
        used = used if isinstance(used, dict) else {}
        ladders = [(GENERAL, None, kata.hints)] if kata.hints else []
        ladders += [(str(e.exercise), e.exercise, e.hints) for e in kata.exercise_hints]
        shown = []
        for key, exercise, table in ladders:
            hints = pick(table, lang)
            shown += [Hint(n, len(hints), hints[n - 1], exercise) for n in range(1, int(used.get(key, 0)) + 1)]
        return shown

    def hint_again(self, kata: Kata, lang: str, number: int) -> Hint | None:
        """Hint `number` of the current ladder again, if it was shown already; None otherwise."""
        state = self._state()
        key, exercise, hints = self._ladder(kata, state, lang)
        used = state.get("hints_used", {}).get(kata.id)
        seen = int(used.get(key, 0)) if isinstance(used, dict) else 0
        if not 1 <= number <= seen:
            return None
        return Hint(number, len(hints), hints[number - 1], exercise)
