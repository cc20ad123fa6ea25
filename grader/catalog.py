"""Katas as data: `Kata` is one `katas/NN-<id>/` folder; `Catalog` finds every kata in a folder.

A kata folder holds kata.toml, README.md / README.zh.md, stub/, checks/ and optionally data/,
mistakes/ and alternatives/; its reference solution lives in a sibling tree `reference/NN-<id>/`.
Nothing that can be derived is declared: the id and order come from the folder name, a known
mistake's id, description and target checks from its file (name and module docstring). A malformed
kata.toml or mistake file is a `KataError` naming the file and the field, never a traceback.
"""

from __future__ import annotations

import ast
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, TypeVar

from grader.errors import KataError
from grader.i18n import pick

MAX_TIMEOUT_SECONDS = 24 * 3600  # a time limit must be finite: it becomes a CPU-seconds rlimit

LANGUAGES = ("en", "zh")
T = TypeVar("T")
FORMAT = 1  # kata.toml's `format`: raise it on a change that older graders would misread
_FOLDER = re.compile(r"^(\d+)-([a-z0-9][a-z0-9-]*)$")
_CATCHES = "catches:"
_FILE = "file:"


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: `patch` (mistakes/<name>.py) is appended to the reference file,
    redefining what it names. Its id is the file stem with `-` for `_`; its module docstring gives
    `about` (first line), `catches` (a line `catches: test_a, test_b`) and optionally `file`
    (a line `file: other.py`, default the kata's first file)."""

    id: str
    file: str
    patch: Path
    catches: tuple[str, ...]
    about: str


@dataclass(frozen=True)
class Alternative:
    """A correct answer in another style: `patch` is appended to the reference's first file, like a
    mistake, and must earn full marks. `style` is the first line of the patch's module docstring
    ("" when it has none: `kata verify` reports that)."""

    name: str
    file: str
    patch: Path
    style: str


@dataclass(frozen=True)
class EquivalentMutant:
    """A mutant (`kata verify --mutants`) that behaves exactly like the reference: no check can kill
    it, so it is left out of the mutation score. `id` is the mutant's id, `reason` says why."""

    id: str
    reason: str


@dataclass(frozen=True)
class ExerciseHints:
    """The hint ladder of one exercise: `kata hint` climbs it while one of `checks` fails first."""

    exercise: int
    checks: tuple[str, ...]
    hints: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Kata:
    id: str
    order: int
    version: int
    title: dict[str, str]
    summary: dict[str, str]
    files: tuple[str, ...]
    timeout: float
    check_timeout: float
    hints: dict[str, tuple[str, ...]]
    folder: Path
    reference: Path
    mistakes: tuple[Mistake, ...] = field(default=())
    alternatives: tuple[Alternative, ...] = field(default=())
    equivalent_mutants: tuple[EquivalentMutant, ...] = field(default=())
    exercise_hints: tuple[ExerciseHints, ...] = field(default=())
    data_folder: str = "data"  # kata.toml's `data`: relative to the kata folder, inside its pack

    def hints_for(self, check_id: str | None) -> ExerciseHints | None:
        """The exercise whose checks include `check_id`, if kata.toml gives it hints of its own."""
        return next((e for e in self.exercise_hints if check_id in e.checks), None)

    @property
    def stub(self) -> Path:
        return self.folder / "stub"

    @property
    def checks(self) -> Path:
        return self.folder / "checks"

    @property
    def data(self) -> Path:
        """The kata's data folder (`kata_data` in both halves of its checks): its own data/, or a
        folder of the pack that kata.toml's `data` names, e.g. "../_shared/mnist-5k"."""
        return (self.folder / self.data_folder).resolve()

    @property
    def data_dir(self) -> Path | None:
        """`data` where the kata has one, else None: what the checks' `kata_data` fixture gets."""
        return self.data if self.data.is_dir() else None

    def readme(self, lang: str) -> Path:
        localized = self.folder / f"README.{lang}.md"
        return localized if lang != "en" and localized.exists() else self.folder / "README.md"

    def text(self, table: dict[str, str], lang: str) -> str:
        return pick(table, lang)


# Every key kata.toml may hold, per table: any other one is a typo (`check_timout`) that would
# otherwise leave a default in force without a word. `id`, `order` and `mistakes` are read only to
# refuse them with a message of their own.
_KEYS = {
    "": {"format", "version", "files", "timeout", "check_timeout", "data", "title", "summary", "hints"}
    | {"equivalent_mutants", "id", "order", "mistakes"},
    "title": set(LANGUAGES),
    "summary": set(LANGUAGES),
    "hints": {*LANGUAGES, "exercises"},
    "hints.exercises": {"exercise", "checks", *LANGUAGES},
    "equivalent_mutants": {"id", "reason"},
}


def _unknown_keys(path: Path, raw: dict) -> None:
    """Refuse a key kata.toml does not have, naming the closest one it does."""
    tables: list[tuple[str, str, dict]] = [("", "", raw)]
    for name in ("title", "summary", "hints"):
        if isinstance(raw.get(name), dict):
            tables.append((name, name, raw[name]))
    hints = raw.get("hints")
    entries = hints.get("exercises") if isinstance(hints, dict) else None
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, dict):
            tables.append(("hints.exercises", f"hints.exercises[{i}]", entry))
    mutants = raw.get("equivalent_mutants")
    for i, entry in enumerate(mutants if isinstance(mutants, list) else []):
        if isinstance(entry, dict):
            tables.append(("equivalent_mutants", f"equivalent_mutants[{i}]", entry))
    for kind, where, table in tables:
        for key in table:
            if key not in _KEYS[kind]:
                name = f"{where}.{key}" if where else key
                close = difflib.get_close_matches(key, sorted(_KEYS[kind]), n=1)
                advice = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(sorted(_KEYS[kind]))}"
                raise KataError(f"{path}: unknown field '{name}' ({advice})")


def _field(path: Path, table: dict, name: str, kind: type[T], default: T | None = None) -> T:
    """`table[name]` as a `kind` (an int is a float too, a bool is never an int), else `default`;
    a KataError naming the file and field when it is missing or of another kind."""
    value = table.get(name, default)
    if value is None:
        raise KataError(f"{path}: missing field '{name}'")
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise KataError(f"{path}: field '{name}' must be {kind.__name__}, got {value!r}")
    return value


def _seconds(path: Path, table: dict, name: str, default: float) -> float:
    value = _field(path, table, name, float, default)
    if not 0 < value <= MAX_TIMEOUT_SECONDS:
        raise KataError(f"{path}: field '{name}' must be more than 0 and at most {MAX_TIMEOUT_SECONDS} seconds")
    return value


def _bilingual(path: Path, table: dict, name: str) -> dict[str, str]:
    value = _field(path, table, name, dict)
    out = {}
    for lang in LANGUAGES:
        entry = value.get(lang)
        if not (isinstance(entry, str) and entry.strip()):
            raise KataError(f"{path}: field '{name}.{lang}' must be a non-empty string")
        out[lang] = entry
    return out


def _hint_list(path: Path, table: dict, where: str, lang: str) -> tuple[str, ...]:
    entry = table.get(lang)
    if not (isinstance(entry, list) and entry and all(isinstance(h, str) and h.strip() for h in entry)):
        raise KataError(f"{path}: field '{where}.{lang}' must be a non-empty list of strings")
    return tuple(entry)


def _hints(path: Path, raw: dict) -> tuple[dict[str, tuple[str, ...]], tuple[ExerciseHints, ...]]:
    """`[hints]` en/zh: the kata's own ladder; `[[hints.exercises]]` (exercise, checks, en, zh): one
    ladder per exercise. Either may be left out, not both; each ladder has as many zh hints as en."""
    table = _field(path, raw, "hints", dict)
    entries = table.get("exercises", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise KataError(f"{path}: field 'hints.exercises' must be an array of tables ([[hints.exercises]])")
    general: dict[str, tuple[str, ...]] = {}
    if "en" in table or "zh" in table or not entries:
        general = {lang: _hint_list(path, table, "hints", lang) for lang in LANGUAGES}
        if len(general["en"]) != len(general["zh"]):
            raise KataError(f"{path}: field 'hints' needs as many 'zh' hints as 'en' hints")
    exercises = []
    for i, entry in enumerate(entries):
        where = f"hints.exercises[{i}]"
        checks = _field(path, entry, "checks", list)
        if not checks or not all(isinstance(c, str) and c for c in checks):
            raise KataError(f"{path}: field '{where}.checks' must list check names")
        ladder = {lang: _hint_list(path, entry, where, lang) for lang in LANGUAGES}
        if len(ladder["en"]) != len(ladder["zh"]):
            raise KataError(f"{path}: field '{where}' needs as many 'zh' hints as 'en' hints")
        exercises.append(ExerciseHints(_field(path, entry, "exercise", int), tuple(checks), ladder))
    return general, tuple(exercises)


def _style(patch: Path) -> str:
    """The first line of a patch's module docstring; "" when it has none or does not parse."""
    try:
        docstring = ast.get_docstring(ast.parse(patch.read_text(encoding="utf-8")))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return ""
    return docstring.strip().splitlines()[0].strip() if docstring and docstring.strip() else ""


def _alternatives(folder: Path, first_file: str) -> tuple[Alternative, ...]:
    """Every .py file in alternatives/ is one; no kata.toml entry, so adding one is adding a file."""
    found = sorted((folder / "alternatives").glob("*.py")) if (folder / "alternatives").is_dir() else []
    return tuple(Alternative(p.stem, first_file, p, _style(p)) for p in found)


_MISTAKE_DOCSTRING = (
    "a module docstring: first line what the mistake is, then a line "
    '"catches: test_a, test_b" naming the checks that must fail on it'
)


def _mistake(patch: Path, files: tuple[str, ...]) -> Mistake:
    """One mistakes/<name>.py, described by its own module docstring."""
    try:
        docstring = ast.get_docstring(ast.parse(patch.read_text(encoding="utf-8")))
    except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
        raise KataError(f"{patch}: not valid Python ({exc})") from None
    lines = [line.strip() for line in (docstring or "").strip().splitlines()]
    if not lines or not lines[0]:
        raise KataError(f"{patch}: needs {_MISTAKE_DOCSTRING}")
    catches = [line[len(_CATCHES) :] for line in lines[1:] if line.startswith(_CATCHES)]
    names = [c.strip() for c in ",".join(catches).split(",") if c.strip()]
    if not names:
        raise KataError(f"{patch}: field 'catches' is missing; needs {_MISTAKE_DOCSTRING}")
    chosen = [line[len(_FILE) :].strip() for line in lines[1:] if line.startswith(_FILE)]
    if len(chosen) > 1 or (chosen and chosen[0] not in files):
        raise KataError(f"{patch}: field 'file' must name one of the learner's files {list(files)}")
    return Mistake(patch.stem.replace("_", "-"), chosen[0] if chosen else files[0], patch, tuple(names), lines[0])


def _mistakes(path: Path, raw: dict, folder: Path, files: tuple[str, ...]) -> tuple[Mistake, ...]:
    """Every .py file in mistakes/ is one; kata.toml's former [[mistakes]] tables are refused."""
    if "mistakes" in raw:
        raise KataError(
            f"{path}: field 'mistakes' is no longer read: each mistakes/<name>.py carries "
            "its description and checks in its module docstring"
        )
    found = sorted((folder / "mistakes").glob("*.py")) if (folder / "mistakes").is_dir() else []
    return tuple(_mistake(p, files) for p in found)


def _derived(path: Path, raw: dict, name: str, value: str | int) -> None:
    """`id` and `order` come from the folder name; an older kata.toml may still give them, if they agree."""
    if name in raw and (type(raw[name]) is not type(value) or raw[name] != value):
        raise KataError(
            f"{path}: field '{name}' is {raw[name]!r} but the folder name says {value!r} "
            "(the folder NN-<id> gives both: remove the field)"
        )


def _format(path: Path, raw: dict) -> None:
    version = _field(path, raw, "format", int, FORMAT)
    if version != FORMAT:
        raise KataError(
            f"{path}: field 'format' is {version}, but this grader reads format {FORMAT}: "
            "install a torch-katas that knows it"
        )


def load_kata(folder: Path, reference_root: Path) -> Kata:
    path = folder / "kata.toml"
    named = _FOLDER.match(folder.name)
    if not named:
        raise KataError(f"{folder}: a kata folder is named NN-<id>, e.g. 01-tensors")
    order, kata_id = int(named[1]), named[2]
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KataError(f"{folder}: no kata.toml") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise KataError(f"{path}: not valid TOML ({exc})") from None
    _format(path, raw)
    _unknown_keys(path, raw)
    _derived(path, raw, "id", kata_id)
    _derived(path, raw, "order", order)
    files = _field(path, raw, "files", list)
    if not files or not all(isinstance(f, str) and f and "/" not in f for f in files):
        raise KataError(f"{path}: field 'files' must list the learner's file names")
    hints, exercise_hints = _hints(path, raw)
    equivalents = []
    for i, entry in enumerate(raw.get("equivalent_mutants", [])):
        if not isinstance(entry, dict):
            raise KataError(f"{path}: field 'equivalent_mutants[{i}]' must be a table")
        equivalents.append(EquivalentMutant(_field(path, entry, "id", str), _field(path, entry, "reason", str)))
    data_folder = _field(path, raw, "data", str, "data")
    if not (folder / data_folder).resolve().is_relative_to(folder.resolve().parent):
        raise KataError(f"{path}: field 'data' must name a folder inside the pack, e.g. \"../_shared/mnist-5k\"")
    return Kata(
        id=kata_id,
        order=order,
        version=_field(path, raw, "version", int, 1),
        title=_bilingual(path, raw, "title"),
        summary=_bilingual(path, raw, "summary"),
        files=tuple(files),
        timeout=_seconds(path, raw, "timeout", 60.0),
        check_timeout=_seconds(path, raw, "check_timeout", 10.0),
        hints=hints,
        folder=folder,
        reference=reference_root / folder.name,
        mistakes=_mistakes(path, raw, folder, tuple(files)),
        alternatives=_alternatives(folder, files[0]),
        equivalent_mutants=tuple(equivalents),
        exercise_hints=exercise_hints,
        data_folder=data_folder,
    )


def builtin_roots() -> tuple[Path, Path]:
    """The shipped katas: inside the installed package, else beside it in a source checkout."""
    package = Path(__file__).resolve().parent
    for base in (package, package.parent):
        if (base / "katas").is_dir():
            return base / "katas", base / "reference"
    raise KataError("the built-in katas are missing from this installation; reinstall torch-katas")


def _pack_advice(folder: Path) -> str:
    """Where the katas are when --katas names the pack's top folder or one kata's folder instead."""
    if (folder / "katas").is_dir():
        return f"; --katas names the folder of kata folders: {folder / 'katas'}"
    if (folder / "kata.toml").is_file():
        return f"; this is one kata's folder: --katas {folder.parent}"
    return ""


class Catalog:
    """Every kata under one folder, in order. `--katas PATH` points at a private pack."""

    def __init__(self, katas: list[Kata]):
        self.katas = sorted(katas, key=lambda k: (k.order, k.id))
        self._by_id = {k.id: k for k in self.katas}

    @classmethod
    def load(cls, katas_root: Path | None = None) -> "Catalog":
        if katas_root is None:
            katas_root, reference_root = builtin_roots()
        else:
            katas_root = Path(katas_root).resolve()  # jobs and pytest run from other folders
            if not katas_root.is_dir():
                raise KataError(f"--katas {katas_root}: no such folder")
            reference_root = katas_root.parent / "reference"
        katas = []
        for folder in sorted(katas_root.iterdir()):
            if folder.is_dir() and _FOLDER.match(folder.name):
                katas.append(load_kata(folder, reference_root))
        if not katas:
            raise KataError(f"{katas_root}: no katas found (expected folders named NN-<id>){_pack_advice(katas_root)}")
        seen: set[str] = set()
        for kata in katas:
            if kata.id in seen:
                raise KataError(f"{kata.folder}: id '{kata.id}' is used twice (folder names NN-<id>)")
            seen.add(kata.id)
        return cls(katas)

    def get(self, kata_id: str) -> Kata:
        try:
            return self._by_id[kata_id]
        except KeyError:
            # a catalogue key, so that the CLI says it in the learner's language without parsing the text
            raise KataError.of("unknown_kata", id=kata_id, known=", ".join(self._by_id)) from None

    def select(self, ids: list[str] | None) -> list[Kata]:
        return [self.get(i) for i in ids] if ids else list(self.katas)

    def __iter__(self) -> Iterator[Kata]:
        return iter(self.katas)
