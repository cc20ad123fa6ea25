"""The SQLite gradebook: one row per (learner, kata, content hash, kata version, grading setup).

The key holds everything that changes a grade: the submitted files (content hash), the checks (kata
version) and the grading setup (`setup_key`: limits, device, torch version). A rerun with a longer
`--timeout`, another device or a new torch grades again; an unchanged rerun reuses every row. Each
result is committed the moment it arrives, in WAL mode, so a batch killed at any point (even
`kill -9`) keeps every result it finished. Rewriting a key replaces its row, so nothing is ever
counted twice. Every string is made safe (`safe_text`) and every number finite before it is stored.

A file that is not a gradebook or is damaged (SQLite's consistency check fails: a copy cut short) is a
`KataError` naming it, found when it is opened, before anything is read or written.

SQLite's locking does not work on network file systems: keep the gradebook on local disk (each
cluster task writes its own, `kata merge` combines them).
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from grader.errors import KataError
from grader.results import KataResult, safe_data, safe_text
from grader.sandbox import Limits

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    learner TEXT NOT NULL,
    kata TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    kata_version INTEGER NOT NULL,
    setup TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    device TEXT NOT NULL,
    torch_version TEXT NOT NULL,
    duration REAL NOT NULL,
    status TEXT NOT NULL,
    points REAL NOT NULL,
    max_points REAL NOT NULL,
    attempts INTEGER NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (learner, kata, content_hash, kata_version, setup)
)
"""


def _schema_columns() -> tuple[str, ...]:
    """The results table's columns, in order, as `_SCHEMA` makes them: the schema is the one list."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute(_SCHEMA)
        return tuple(row[1] for row in db.execute("PRAGMA table_info(results)"))
    finally:
        db.close()


COLUMNS = _schema_columns()


class Key(NamedTuple):
    learner: str
    kata: str
    content_hash: str
    kata_version: int
    setup: str = ""


def setup_key(limits: Limits, device: str, torch_version: str) -> str:
    """A short digest of the grading setup: the limits, the device and the torch version."""
    text = json.dumps({"limits": asdict(limits), "device": device, "torch": torch_version}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _stored_key(key: Key) -> Key:
    """The key as stored: the same text made safe on every write and every read."""
    return Key(
        safe_text(key.learner), safe_text(key.kata), safe_text(key.content_hash), key.kata_version, safe_text(key.setup)
    )


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


class Grading(NamedTuple):
    """How a result was graded: the checks (kata version) and the setup (its digest, device, torch)."""

    kata_version: int
    setup: str
    device: str
    torch_version: str


def _damaged(path: Path, why: object) -> KataError:
    return KataError(
        f"{path}: not a gradebook, or a damaged one ({why}; e.g. a copy cut short when a task was killed "
        "while copying it): restore a good copy, or move it away to grade again"
    )


def _failed(path: Path, exc: sqlite3.Error) -> KataError:
    """The file's content is at fault (SQLite says corrupt, or not a database), or something else is."""
    if exc.sqlite_errorcode is not None and exc.sqlite_errorcode & 0xFF in (
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_NOTADB,
    ):
        return _damaged(path, exc)
    return KataError(f"{path}: the gradebook cannot be used ({exc})")


def _checked(db: sqlite3.Connection, path: Path) -> None:
    """SQLite's own consistency check, so that damage is found before anything is read or written."""
    problems = [row[0] for row in db.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise _damaged(path, problems[0] if problems else "no answer to a consistency check")


def open_stored(path: Path) -> sqlite3.Connection:
    """Another gradebook (a shard's, for `kata merge`), read-only and checked: undamaged, of this version."""
    if not path.is_file():
        raise KataError(f"{path}: no such file (is it a `kata batch` output?)")
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise _failed(path, exc) from None
    try:
        _checked(db, path)
        columns = [row[1] for row in db.execute("PRAGMA table_info(results)")]
        if columns and "setup" not in columns:
            raise KataError(f"{path}: a gradebook from before the grading setup was recorded: grade that shard again")
        if columns != list(COLUMNS):
            raise _damaged(path, "no results table of this version")
    except sqlite3.Error as exc:
        db.close()
        raise _failed(path, exc) from None
    except BaseException:
        db.close()
        raise
    return db


def gradings(path: Path, learners: set[str]) -> dict[str, set[Grading]]:
    """Per kata, how the newest result of each of `learners` was graded (what the shard's exports show)."""
    db = open_stored(path)
    wanted = {safe_text(learner) for learner in learners}
    try:
        newest: dict[tuple[str, str], Grading] = {}
        for learner, kata, *grading in db.execute(
            "SELECT learner, kata, kata_version, setup, device, torch_version FROM results ORDER BY graded_at, rowid"
        ):
            if learner in wanted:
                newest[(learner, kata)] = Grading(*grading)
    except sqlite3.Error as exc:
        raise _failed(path, exc) from None
    finally:
        db.close()
    found: dict[str, set[Grading]] = {}
    for (_, kata), grading in newest.items():
        found.setdefault(kata, set()).add(grading)
    return found


class Gradebook:
    def __init__(self, path: Path):
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None)  # autocommit: one statement, one commit
        except sqlite3.Error as exc:
            raise _failed(path, exc) from None
        try:
            _checked(self._db, path)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a killed process
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(results)")}
            if columns and "setup" not in columns:
                # a gradebook from before the setup was part of the key: kept aside, never reused
                self._db.execute("ALTER TABLE results RENAME TO results_without_setup")
            self._db.execute(_SCHEMA)
        except sqlite3.Error as exc:
            self._db.close()
            raise _failed(path, exc) from None
        except KataError:
            self._db.close()
            raise

    def get(self, key: Key) -> KataResult | None:
        row = self._db.execute(
            "SELECT result FROM results WHERE learner=? AND kata=? AND content_hash=? AND kata_version=? AND setup=?",
            _stored_key(key),
        ).fetchone()
        return KataResult.from_dict(json.loads(row[0])) if row else None

    def latest(self, key: Key) -> KataResult | None:
        """The newest result for these files and checks, whatever setup graded it."""
        row = self._db.execute(
            "SELECT result FROM results WHERE learner=? AND kata=? AND content_hash=? AND kata_version=? "
            "ORDER BY graded_at DESC, rowid DESC LIMIT 1",
            _stored_key(key)[:4],
        ).fetchone()
        return KataResult.from_dict(json.loads(row[0])) if row else None

    def example(self, kata: str, version: int) -> KataResult | None:
        """Any result of this kata version (its checks and points), the newest first."""
        row = self._db.execute(
            "SELECT result FROM results WHERE kata=? AND kata_version=? ORDER BY graded_at DESC LIMIT 1",
            (safe_text(kata), version),
        ).fetchone()
        return KataResult.from_dict(json.loads(row[0])) if row else None

    def katas(self) -> set[str]:
        """Every kata id graded so far, for anyone."""
        return {row[0] for row in self._db.execute("SELECT DISTINCT kata FROM results")}

    def put(self, key: Key, result: KataResult, attempts: int = 1) -> None:
        when = datetime.now(timezone.utc).isoformat(timespec="microseconds")
        self._db.execute(
            "INSERT OR REPLACE INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                *_stored_key(key),
                when,
                safe_text(result.device),
                safe_text(result.torch_version),
                _finite(result.duration),
                safe_text(result.status),
                _finite(result.points),
                _finite(result.max_points),
                attempts,
                json.dumps(safe_data(result.to_dict()), ensure_ascii=False, allow_nan=False),
            ),
        )

    def copy_from(self, other: Path) -> None:
        """Take every row of another gradebook (for `kata merge`), in one transaction."""
        source = open_stored(other)
        try:
            self._db.execute("BEGIN")
            try:
                rows = source.execute(f"SELECT {', '.join(COLUMNS)} FROM results")
            except sqlite3.Error as exc:
                raise _failed(other, exc) from None
            self._db.executemany(f"INSERT OR REPLACE INTO results VALUES ({','.join('?' * len(COLUMNS))})", rows)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise KataError(f"{self.path}: could not take the results of {other} ({exc})") from None
        finally:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            source.close()

    def close(self) -> None:
        self._db.close()
