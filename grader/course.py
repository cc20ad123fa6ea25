"""`course.toml`: what a course adds to grading: which katas, their weights, due dates, late penalties
and the visibility of checks on Gradescope/PrairieLearn.

```toml
visibility = "visible"                      # every check's default
[katas.tensors]
weight = 2.0                                # multiplies the kata's points in `final`
due = 2026-03-01T23:59:00Z                  # TOML date-time; a time zone is required
late_penalty_per_day = 0.1                  # share of the kata's points lost per started day late
checks = { test_move_to = "after_due_date" }
```

A submission's time is the learner's `submitted_at` in roster.csv (from the LMS) when there is one,
else the newest modification time of the kata's files. Points are never changed: grades.csv gets
`late_days` and `final` (weighted, penalised) beside the raw points.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from grader.errors import KataError

VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")


@dataclass(frozen=True)
class CourseKata:
    weight: float = 1.0
    due: datetime | None = None
    late_penalty_per_day: float = 0.0
    checks: dict[str, str] = field(default_factory=dict)  # check id -> visibility


@dataclass(frozen=True)
class Course:
    katas: dict[str, CourseKata]
    visibility: str = "visible"

    def late_days(self, kata: str, submitted: datetime | None) -> int:
        """Started days past the due date (0 when on time, not due, or of unknown time). A time without
        a zone (a roster's `2026-03-01T23:00:00`) is read in the due date's zone, the course's own."""
        due = self.katas[kata].due if kata in self.katas else None
        if due is None or submitted is None:
            return 0
        if submitted.tzinfo is None:
            submitted = submitted.replace(tzinfo=due.tzinfo)
        if submitted <= due:
            return 0
        return math.ceil((submitted - due).total_seconds() / 86400)

    def final(self, kata: str, points: float, late_days: int) -> float:
        rule = self.katas.get(kata, CourseKata())
        return rule.weight * points * max(0.0, 1.0 - rule.late_penalty_per_day * late_days)

    def check_visibility(self) -> dict[str, str]:
        return {f"{kata}/{check}": value for kata, rule in self.katas.items() for check, value in rule.checks.items()}


def _number(path: Path, where: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise KataError(f"{path}: '{where}' must be a number from {low:g} to {high:g}, not {value!r}")
    return float(value)


def _known_keys(path: Path, prefix: str, table: dict, allowed: set[str]) -> None:
    """A misspelt key would be ignored without a word: refuse it."""
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise KataError(f"{path}: unknown key '{prefix}{unknown[0]}' (known here: {', '.join(sorted(allowed))})")


def load(path: Path, known: set[str]) -> Course:
    """Read and check course.toml; every kata it names must exist (`known`)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KataError(f"{path}: no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise KataError(f"{path}: not valid TOML ({exc})") from None
    _known_keys(path, "", raw, {"visibility", "katas"})
    visibility = raw.get("visibility", "visible")
    if not isinstance(visibility, str) or visibility not in VISIBILITIES:
        raise KataError(f"{path}: 'visibility' must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    tables = raw.get("katas", {})
    if not isinstance(tables, dict):
        raise KataError(f"{path}: 'katas' must be tables, [katas.<id>], not {tables!r}")
    katas = {}
    for kata_id, entry in tables.items():
        if kata_id not in known:
            raise KataError(f"{path}: no kata '{kata_id}' (known: {', '.join(sorted(known))})")
        if not isinstance(entry, dict):
            raise KataError(f"{path}: 'katas.{kata_id}' must be a table, [katas.{kata_id}], not {entry!r}")
        _known_keys(path, f"katas.{kata_id}.", entry, {"weight", "due", "late_penalty_per_day", "checks"})
        due = entry.get("due")
        if due is not None and (not isinstance(due, datetime) or due.tzinfo is None):
            raise KataError(
                f"{path}: 'katas.{kata_id}.due' must be a date-time with a time zone, e.g. 2026-03-01T23:59:00+08:00"
            )
        checks = entry.get("checks", {})
        if not isinstance(checks, dict) or any(
            not isinstance(v, str) or v not in VISIBILITIES for v in checks.values()
        ):
            raise KataError(f"{path}: 'katas.{kata_id}.checks' maps check ids to {', '.join(VISIBILITIES)}")
        katas[kata_id] = CourseKata(
            _number(path, f"katas.{kata_id}.weight", entry.get("weight", 1.0), 0, 1e6),
            due,
            _number(path, f"katas.{kata_id}.late_penalty_per_day", entry.get("late_penalty_per_day", 0.0), 0, 1),
            dict(checks),
        )
    if not katas:
        raise KataError(f"{path}: no [katas.<id>] table")
    return Course(katas, visibility)


def submitted_at(files: list[Path], roster_time: str = "") -> datetime | None:
    """The LMS's timestamp (ISO 8601, maybe without a zone: `Course.late_days` reads it in the due
    date's) when known, else the newest modification time of the files."""
    if roster_time:
        try:
            return datetime.fromisoformat(roster_time)
        except ValueError:
            raise KataError(f"roster.csv: submitted_at '{roster_time}' is not an ISO 8601 time") from None
    times = [p.stat().st_mtime for p in files if p.is_file()]
    return datetime.fromtimestamp(max(times), timezone.utc) if times else None
