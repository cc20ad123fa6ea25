"""The learner's workspace: `<root>/<kata-id>/<files>` plus `<root>/.kata/state.json`.

Start copies a stub without ever overwriting a learner's file; reset backs the old files up first.
The state file remembers, per kata, the best result (which gates `kata solution`), the last one
(with a fingerprint of the files it graded, so a bare `kata grade` skips unchanged katas) and the
hints seen on each exercise's ladder. A stored result counts only for the kata version it graded:
new checks make old points stale. Every change to it is a locked read-modify-write ending in an
atomic rename, so two `kata` commands at once never lose an update or leave half a file.

Nothing the learner made is ever overwritten: each reset backs up into a folder of its own, every
file is written through a temporary file renamed into place (a full disk leaves no empty file behind),
and a state file that cannot be read, or holds entries of the wrong type, is set aside as
`state.json.corrupt-<time>` (its good entries kept) with one line on stderr, never silently replaced.
A state that cannot be written raises `StateNotSaved`, which names the state file and says why.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

from grader.bilingual import Bilingual, Text, both, in_language
from grader.catalog import Catalog, Kata
from grader.errors import KataError
from grader.i18n import detect_language, os_reason, pick, say
from grader.results import PASSED, KataResult
from grader.terminal_markdown import indented
from grader.sandbox import files_that_count

STATE_DIR = ".kata"
DEFAULT_NAME = "kata-workspace"
GENERAL = ""  # the ladder key of a kata's own hints (exercise ladders use the exercise number)


def _is_workspace(folder: Path) -> bool:
    return (folder / STATE_DIR).is_dir()


def find_root(explicit: Path | None = None) -> Path:
    """`-w DIR` (or the workspace inside it, or the one it is in: `-w kata-workspace/tensors` means that
    workspace, never a new one nested in a kata's folder), else the nearest workspace upward, else
    `./kata-workspace`."""
    if explicit is not None:
        folder = Path(explicit).resolve()
        if _is_workspace(folder) or _is_workspace(folder / DEFAULT_NAME):
            return folder if _is_workspace(folder) else folder / DEFAULT_NAME
        # a folder right inside a workspace (a kata's): that workspace; a new folder: `kata start -w` makes one
        return folder.parent if folder.is_dir() and _is_workspace(folder.parent) else folder
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if _is_workspace(folder):
            return folder
    return here / DEFAULT_NAME


def workspace_nearby() -> Path | None:
    """A workspace below the current folder (one level down: `cd ..` out of the project), beside it, or in
    the home folder: where the learner's katas probably are when none is found upward (they ran `kata`
    from the wrong folder). The nearest comes first: below, then beside, then home."""
    here = Path.cwd().resolve()
    candidates = [
        here / DEFAULT_NAME,
        *sorted(here.glob(f"*/{STATE_DIR}")),
        *sorted(here.glob(f"*/{DEFAULT_NAME}")),
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


# -- writing without losing anything ----------------------------------------------------------------


def _claim(parent: Path, stem: str, make: Callable[[Path], None]) -> Path:
    """A new path `<stem>-<time>` under `parent` (then `-2`, `-3`... within one second), created by `make`,
    which fails with FileExistsError on a path that exists: no two callers ever get the same one."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path, n = parent / f"{stem}-{stamp}", 1
    while True:
        try:
            make(path)
            return path
        except FileExistsError:
            n += 1
            path = parent / f"{stem}-{stamp}-{n}"


def _new_folder(path: Path) -> None:
    path.mkdir(parents=True)


def _new_file(path: Path) -> None:
    path.open("x").close()


def _copy(source: Path, destination: Path, keep_stat: bool = False) -> None:
    """Copy `source` over `destination` through a temporary file beside it, renamed into place: a failed
    write (a full disk) leaves neither an empty or partial `destination` nor the temporary file, and its
    error names `destination`. `keep_stat`: the mode and times too (a backup)."""
    with open(source, "rb") as reading:  # an unreadable source is named by its own error
        temporary = destination.with_name(f".{destination.name}.{secrets.token_hex(4)}.tmp")
        created = False
        try:
            with open(temporary, "xb") as out:  # a new file's mode, not the package's (perhaps read-only) one
                created = True
                shutil.copyfileobj(reading, out)
            if keep_stat:
                shutil.copystat(source, temporary)
            os.replace(temporary, destination)
        except BaseException as exc:  # an interrupt too: no temporary file is left behind
            if created:
                temporary.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise OSError(exc.errno, exc.strerror or str(exc), str(destination)) from exc
            raise


# -- the state file's shape --------------------------------------------------------------------------


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count(value: object) -> bool:
    return _integer(value) and value >= 0


def _number(value: object) -> bool:
    return isinstance(value, float) or _integer(value)


def _text(value: object) -> bool:
    return isinstance(value, str)


def _text_or_none(value: object) -> bool:
    return value is None or isinstance(value, str)


_BEST_FIELDS = {"points": _number, "max_points": _number, "status": _text, "version": _integer}
_LAST_FIELDS = {**_BEST_FIELDS, "fingerprint": _text_or_none, "first_failure": _text_or_none}


def _result_entry(fields: dict[str, Callable[[object], bool]]) -> Callable[[object], bool]:
    """A stored result: an object whose fields have their types (a missing field reads as not known)."""
    return lambda entry: isinstance(entry, dict) and all(good(entry[f]) for f, good in fields.items() if f in entry)


def _hints_entry(entry: object) -> bool:
    """A kata's hints seen: a count per ladder (a bare count is the format from before per-exercise ladders)."""
    return _count(entry) or (isinstance(entry, dict) and all(_count(n) for n in entry.values()))


# Each section maps a kata id to an entry of its shape; other keys are kept as they are (a later version's).
_SECTIONS: dict[str, Callable[[object], bool]] = {
    "best": _result_entry(_BEST_FIELDS),
    "last": _result_entry(_LAST_FIELDS),
    "hints_used": _hints_entry,
}


def _typed(state: dict) -> tuple[dict, tuple[str, ...]]:
    """`state` without its entries of the wrong type, and their names (`best`, `last.tensors`)."""
    kept: dict = {}
    dropped: list[str] = []
    for key, value in state.items():
        good = _SECTIONS.get(key)
        if good is None:
            kept[key] = value
        elif not isinstance(value, dict):
            dropped.append(key)
        else:
            kept[key] = {kata: entry for kata, entry in value.items() if good(entry)}
            dropped += [f"{key}.{kata}" for kata in value if kata not in kept[key]]
    return kept, tuple(dropped)


_WARNING = both("warning: ", "警告：")


def _why(error: OSError) -> Bilingual:
    """Why a file operation failed, in both languages."""
    return Bilingual(os_reason(error, "en"), os_reason(error, "zh"))


@dataclass(frozen=True)
class _Damage:
    """What is wrong with a state file: it cannot be used at all (`reason`), or some of its entries have the
    wrong type (`dropped`; `raw` is the file as it was)."""

    reason: Text | None = None
    dropped: tuple[str, ...] = ()
    raw: bytes = b""

    def _problem(self, path: Path) -> Bilingual:
        if self.reason is not None:
            return both("could not read {path} ({reason})", "无法读取 {path}（{reason}）").format(
                path=path, reason=self.reason
            )
        entries = ", ".join(f"`{name}`" for name in self.dropped)
        return both(
            "{path} holds entries of the wrong type ({entries})", "{path} 中有类型错误的条目（{entries}）"
        ).format(path=path, entries=entries)

    def set_aside(self, path: Path, aside: Path) -> Bilingual:
        if self.reason is not None:
            tail = both(
                "{problem}: moved it to {aside} and went on with no saved progress",
                "{problem}：已把它移到 {aside}，并在没有已保存进度的情况下继续",
            )
        else:
            tail = both(
                "{problem}: left them out; the file as it was is kept in {aside}",
                "{problem}：已忽略这些条目；原文件保存在 {aside}",
            )
        return tail.format(problem=self._problem(path), aside=aside)

    def left(self, path: Path, why: OSError) -> Bilingual:
        return both(
            "{problem}, and could not move it aside ({why}): it stays as it is and no progress is saved until "
            "it is fixed or removed",
            "{problem}，也无法把它移开（{why}）：文件保持原样，在修复或删除它之前不会保存任何进度",
        ).format(problem=self._problem(path), why=_why(why))


def _read(path: Path) -> tuple[dict, _Damage | None]:
    """The state stored at `path` (empty where there is none) without its entries of the wrong type, and
    what was wrong with it (None: nothing)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, None
    except OSError as exc:
        return {}, _Damage(reason=_why(exc))
    try:
        state = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return {}, _Damage(reason=both("not UTF-8 text", "不是 UTF-8 文本"))
    except (ValueError, RecursionError):
        return {}, _Damage(reason=both("not valid JSON", "不是有效的 JSON"))
    if not isinstance(state, dict):
        return {}, _Damage(reason=both("not a JSON object", "不是 JSON 对象"))
    kept, dropped = _typed(state)
    return kept, (_Damage(dropped=dropped, raw=raw) if dropped else None)


class StateNotSaved(OSError):
    """The state file could not be written, so this command's progress (a grade, a hint seen) is not kept.
    An OSError naming the state file (not a temporary one), so a command that lets it through still says
    it in one line."""

    def __init__(self, path: Path, cause: OSError):
        super().__init__(cause.errno, cause.strerror or str(cause), str(path))

    @property
    def message(self) -> Bilingual:
        return both(
            "warning: progress could not be saved to {path} ({reason})", "警告：进度未能保存到 {path}（{reason}）"
        ).format(path=self.filename, reason=_why(self))

    def say(self, lang: str) -> str:
        """The one line a command shows after its output, in `lang`."""
        return in_language(self.message, lang)


@dataclass(frozen=True)
class Hint:
    number: int
    total: int
    text: str
    exercise: int | None  # None: the kata's own ladder
    unsaved: StateNotSaved | None = field(default=None, compare=False)  # why the step was not kept

    def heading(self, kata_id: str, lang: str) -> str:
        if self.exercise is None:
            return say("hint", lang, n=self.number, total=self.total, id=kata_id)
        return say("hint_for", lang, n=self.number, total=self.total, id=kata_id, exercise=self.exercise)

    def shown(self, kata_id: str, lang: str, columns: int | None) -> str:
        """The heading, then the hint indented (folded to `columns`, a terminal's width, when given)."""
        return "\n".join([self.heading(kata_id, lang), *indented([self.text], "  ", columns)])


class Workspace:
    def __init__(self, root: Path, lang: str | None = None):
        self.root = Path(root)
        self.state_path = self.root / STATE_DIR / "state.json"
        self.lang = lang  # of the warnings it prints (None: KATA_LANG, else the locale)
        self._warned: set[str] = set()

    def folder(self, kata: Kata) -> Path:
        return self.root / kata.id

    def is_started(self, kata: Kata) -> bool:
        return self.folder(kata).is_dir()

    # -- state ----------------------------------------------------------------------------------

    def _warn(self, message: Bilingual) -> None:
        """One line on stderr, once per command for each problem; the command goes on."""
        if message.en not in self._warned:
            self._warned.add(message.en)
            print(in_language(_WARNING + message, self.lang or detect_language()), file=sys.stderr)

    def _state(self) -> dict:
        """The stored state, every entry of its type; a damaged file is set aside first, or, where it cannot
        be (a read-only workspace), read as far as it can be and left untouched."""
        state, damage = _read(self.state_path)
        if damage is None:
            return state
        try:
            with self._locked():
                return self._repaired()
        except OSError as exc:
            self._warn(damage.left(self.state_path, exc))  # said once even when `_repaired` said it first
            return state

    def _repaired(self) -> dict:
        """The stored state, with the lock held: a damaged file is set aside first, and said so."""
        state, damage = _read(self.state_path)  # again: another command may have set it aside meanwhile
        if damage is None:
            return state
        try:
            aside = self._set_aside(damage, state)
        except OSError as exc:
            self._warn(damage.left(self.state_path, exc))
            raise
        self._warn(damage.set_aside(self.state_path, aside))
        return state

    def _set_aside(self, damage: _Damage, good: dict) -> Path:
        """Move a file that cannot be read to a name of its own; one with entries of the wrong type is copied
        there and replaced by its `good` entries. Returns where the file as it was now is."""
        aside = _claim(self.state_path.parent, f"{self.state_path.name}.corrupt", _new_file)
        try:
            if damage.reason is not None:
                os.replace(self.state_path, aside)  # whole and unread: it may be fixable by hand
            else:
                aside.write_bytes(damage.raw)
                self._write(good)
        except OSError:
            aside.unlink(missing_ok=True)  # the placeholder, or a copy of a file still in place
            raise
        return aside

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

    def _write(self, state: dict) -> None:
        """Write the whole state through a temporary file renamed into place (the lock held)."""
        handle, temporary = tempfile.mkstemp(dir=self.state_path.parent, prefix="state.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(state, out, indent=2, ensure_ascii=False)
            os.replace(temporary, self.state_path)  # atomic: a crash never leaves half a state file
        except BaseException:
            Path(temporary).unlink(missing_ok=True)  # a failed write (a full disk) leaves no litter
            raise

    def _update(self, change: Callable[[dict], object]) -> object:
        """Apply `change` to the state under the lock and write it atomically; returns what it returned.
        Raises StateNotSaved when the state cannot be written (or a damaged one cannot be set aside)."""
        try:
            with self._locked():
                state = self._repaired()
                answer = change(state)
                self._write(state)
                return answer
        except OSError as exc:
            raise StateNotSaved(self.state_path, exc) from exc

    def started(self, catalog: Catalog) -> list[Kata]:
        return [k for k in catalog if self.is_started(k)]

    def first_unfinished(self, catalog: Catalog) -> Kata | None:
        """The first started kata, in order, not solved for its current version; None when there is none."""
        return next((k for k in self.started(catalog) if not self.solved(k)), None)

    def next_kata(self, catalog: Catalog, finished: Iterable[str]) -> Kata | None:
        """What comes after `finished` (ids) passed: the first started kata not solved yet (work already
        begun comes first), else the first kata not yet started after the last of `finished`, if any."""
        orders = [catalog.get(i).order for i in finished]
        if not orders:
            return None
        unfinished = self.first_unfinished(catalog)
        if unfinished is not None:
            return unfinished
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

    def at_full_points(self, kata: Kata) -> bool:
        """Whether the files as saved now were graded at full points (its current version)."""
        return self.passing(kata) and not self.changed(kata)

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
            created = not destination.exists()
            if created:
                _copy(kata.stub / name, destination)
            report.append((name, created))
        return report

    def reset(self, kata: Kata) -> Path:
        """Back up the learner's files into a folder of this reset's own, start the kata's hints and last
        result afresh (the best result stays: it unlocked the solution), then put the stub back. Each step
        is whole before the next begins, so a failure (a full disk) leaves the learner's files as they were.
        Returns the backup folder."""
        target = self.folder(kata)
        backup = _claim(self.root / STATE_DIR / "backups", kata.id, _new_folder)
        copied: list[Path] = []
        try:
            for name in kata.files:
                if (target / name).exists():
                    _copy(target / name, backup / name, keep_stat=True)
                    copied.append(backup / name)
        except OSError:
            with suppress(OSError):  # a partial backup must not pass for one: the files are still in place
                for path in copied:
                    path.unlink()
                backup.rmdir()
            raise

        def forget(state: dict) -> None:
            state.get("hints_used", {}).pop(kata.id, None)
            state.get("last", {}).pop(kata.id, None)

        self._update(forget)
        target.mkdir(parents=True, exist_ok=True)
        for name in kata.files:
            _copy(kata.stub / name, target / name)  # one rename each: the learner's file is never missing
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

        try:
            return self._update(climb)
        except StateNotSaved as exc:  # a read-only workspace still gets its hint; the ladder stays put
            return replace(climb(self._state()), unsaved=exc)

    def seen_hints(self, kata: Kata, lang: str) -> list[Hint]:
        """Every hint already shown, ladder by ladder (the kata's own first, then by exercise)."""
        used = self._state().get("hints_used", {}).get(kata.id)
        used = used if isinstance(used, dict) else {}
        ladders = [(GENERAL, None, kata.hints)] if kata.hints else []
        ladders += [(str(e.exercise), e.exercise, e.hints) for e in kata.exercise_hints]
        shown = []
        for key, exercise, table in ladders:
            hints = pick(table, lang)
            seen = min(used.get(key, 0), len(hints))  # a new kata version may have fewer hints
            shown += [Hint(n, len(hints), hints[n - 1], exercise) for n in range(1, seen + 1)]
        return shown

    def hint_again(self, kata: Kata, lang: str, number: int) -> Hint | None:
        """Hint `number` of the current ladder again, if it was shown already; None otherwise. A number
        past the ladder's end is a KataError: no `kata hint` will ever reveal it."""
        state = self._state()
        key, exercise, hints = self._ladder(kata, state, lang)
        if number > len(hints):
            raise KataError.of("hint_beyond", n=number, id=kata.id, total=len(hints))
        used = state.get("hints_used", {}).get(kata.id)
        seen = min(used.get(key, 0), len(hints)) if isinstance(used, dict) else 0  # fewer hints in a new version
        if not 1 <= number <= seen:
            return None
        return Hint(number, len(hints), hints[number - 1], exercise)
