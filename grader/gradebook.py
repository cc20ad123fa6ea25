"""The SQLite gradebook: one row per (learner, kata, content hash, kata version).

Each result is committed the moment it arrives, in WAL mode, so a batch killed at any point (even
`kill -9`) keeps every result it finished; the rerun finds those keys and grades only the rest.
A key is graded once: rewriting it replaces the row, so nothing is ever counted twice. Every
string is made safe (`safe_text`) and every number finite before it is stored, so no text a
learner's code produced can make a write fail; the result's JSON holds its checks, output and the
sandbox protections active for its job.
"""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from grader.results import KataResult, safe_data, safe_text

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    learner TEXT NOT NULL,
    kata TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    kata_version INTEGER NOT NULL,
    graded_at TEXT NOT NULL,
    device TEXT NOT NULL,
    torch_version TEXT NOT NULL,
    duration REAL NOT NULL,
    status TEXT NOT NULL,
    points REAL NOT NULL,
    max_points REAL NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (learner, kata, content_hash, kata_version)
)
"""


class Key(NamedTuple):
    learner: str
    kata: str
    content_hash: str
    kata_version: int


def _stored_key(key: Key) -> Key:
    """The key as stored: the same text made safe on every write and every read."""
    return Key(safe_text(key.learner), safe_text(key.kata), safe_text(key.content_hash), key.kata_version)


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


class Gradebook:
    def __init__(self, path: Path):
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None)  # autocommit: one statement, one commit
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a killed process
        self._db.execute(_SCHEMA)

    def get(self, key: Key) -> KataResult | None:
        row = self._db.execute(
            "SELECT result FROM results WHERE learner=? AND kata=? AND content_hash=? AND kata_version=?",
            _stored_key(key),
        ).fetchone()
        return KataResult.from_dict(json.loads(row[0])) if row else None

    def put(self, key: Key, result: KataResult) -> None:
        when = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._db.execute(
            "INSERT OR REPLACE INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (*_stored_key(key), when, safe_text(result.device), safe_text(result.torch_version),
             _finite(result.duration), safe_text(result.status), _finite(result.points), _finite(result.max_points),
             json.dumps(safe_data(result.to_dict()), ensure_ascii=False, allow_nan=False)),
        )

    def copy_from(self, other: Path) -> None:
        """Take every row of another gradebook (for `kata merge`)."""
        self._db.execute("ATTACH DATABASE ? AS other", (str(other),))
        try:
            self._db.execute("INSERT OR REPLACE INTO results SELECT * FROM other.results")
        finally:
            self._db.execute("DETACH DATABASE other")

    def close(self) -> None:
        self._db.close()
