"""The results channel: JSON lines from the grading child to the parent, one turn per check.

The parent hands the child a fresh random token for each turn over a control pipe; the child stamps
every record of the check it is running with that token; the parent accepts only records stamped
with the current token and hands out the next token once the check's result has arrived. So code
that digs the token out of memory can forge at most the turn it is running in, and a forged result
followed by the real one (now stamped with a stale token) is reported as tampering. Nothing else the
child writes, prints or leaves behind counts, and nothing is ever unpickled.

Every line is validated here, in the parent, before anything reads it: strict UTF-8, JSON without
NaN or Infinity, a known record type with exactly its fields and their types, strings within size
and without surrogates, durations from 0 to MAX_SECONDS, each record type at most once per turn and
nothing after `done`. What comes out is typed events: `CheckReport`, `LoadError`, `Done`, and
`Tampering` or `Malformed` for what broke a rule (the first of each only, so a flood stays small).
The runner decides on these types; it never reads a message to decide.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from enum import Enum
from typing import Union

MAX_LINE_BYTES = 1024 * 1024  # a longer line is not ours
MAX_OBSERVED_LINE_BYTES = 96 * 1024 * 1024  # a judged check's observations (tensors as base64)
MESSAGE_CHARS = 2000  # the plugin cuts every message to this; a longer one was not made by it
ID_CHARS = 1000
MAX_SECONDS = 1e6  # a check's duration: finite, and far above any time limit
_SURROGATE = re.compile("[\ud800-\udfff]")


class Outcome(str, Enum):
    """What the child may report for one check (whether a skip counts is the parent's decision)."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    TIMEOUT = "timeout"
    OOM = "oom"


@dataclass(frozen=True)
class CheckReport:
    id: str
    outcome: Outcome
    message: str
    duration: float


@dataclass(frozen=True)
class Observed:
    """A judged check's observations, still encoded: only the judge decodes and judges them."""

    id: str
    value: object
    duration: float


@dataclass(frozen=True)
class LoadError:
    message: str
    timed_out: bool


@dataclass(frozen=True)
class Done:
    pass


@dataclass(frozen=True)
class Tampering:
    reason: str


@dataclass(frozen=True)
class Malformed:
    what: str  # written by this module, never the child's own text


Event = Union[CheckReport, Observed, LoadError, Done, Tampering, Malformed]

# record type -> its fields and their JSON types (exactly these, no more)
_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "check": {"id": (str,), "outcome": (str,), "message": (str,), "duration": (int, float)},
    "observed": {"id": (str,), "value": (list,), "duration": (int, float)},
    "load_error": {"message": (str,), "timeout": (bool,)},
    "tamper": {"message": (str,)},
    "done": {},
}


class _Invalid(Exception):
    pass


class ParentChannel:
    """The parent's end: feed it what the child wrote; read `records` (typed events) when the child is gone.

    `judged`: the kata's checks are judged in the parent (judge.py), so there are no turns and no
    tokens; the child may send observations and failures, never a pass."""

    def __init__(self, control_fd: int, judged: bool = False):
        self.control_fd = control_fd
        self.judged = judged
        self.tokens: list[str] = []
        self.records: list[Event] = []
        self._pending = bytearray()
        self._types_this_turn: set[str] = set()
        self._done = False
        self._max_line = MAX_OBSERVED_LINE_BYTES if judged else MAX_LINE_BYTES
        if not judged:
            self._next_turn()

    def _next_turn(self) -> None:
        token = secrets.token_hex(16)
        self.tokens.append(token)
        self._types_this_turn.clear()
        try:
            os.write(self.control_fd, (token + "\n").encode())
        except OSError:
            pass  # the child is gone; its outcome says so

    def feed(self, data: bytes) -> None:
        self._pending += data
        while (end := self._pending.find(b"\n")) >= 0:
            line = bytes(self._pending[:end])
            del self._pending[: end + 1]
            self._accept(line)
        if len(self._pending) > self._max_line:
            self._pending.clear()
            self._flag(Malformed(f"a line longer than {self._max_line} bytes"))

    def _flag(self, event: Tampering | Malformed) -> None:
        if not any(type(e) is type(event) for e in self.records):
            self.records.append(event)

    def _accept(self, line: bytes) -> None:
        try:
            record = json.loads(line.decode("utf-8"), parse_constant=_no_constant)
        except UnicodeDecodeError:
            return self._flag(Malformed("a line that is not valid UTF-8"))
        except (ValueError, RecursionError):
            return self._flag(Malformed("a line that is not JSON (or holds NaN or Infinity)"))
        if self.judged:
            return self._accept_judged(record)
        if not isinstance(record, dict) or not isinstance(record.get("nonce"), str):
            return self._flag(Malformed("a line that is not a record"))
        token = record.pop("nonce")
        if token != self.tokens[-1]:
            if token in self.tokens:
                return self._flag(Tampering("a result arrived out of turn (forged?)"))
            return self._flag(Malformed("a record without this job's token"))
        kind = record.pop("type", None)
        try:
            event = _parse(kind, record)
            if self._done:
                raise _Invalid("a record after the end of the job")
            if kind in self._types_this_turn:
                raise _Invalid(f"a second {kind} record in one turn")
        except _Invalid as exc:
            self._flag(Malformed(str(exc)))
        else:
            self._types_this_turn.add(kind)
            self._done = isinstance(event, Done)
            self.records.append(event)
        if kind == "check":  # even a bad one ends its turn, so that the child is not left waiting
            self._next_turn()

    def _accept_judged(self, record: object) -> None:
        if not isinstance(record, dict):
            return self._flag(Malformed("a line that is not a record"))
        kind = record.pop("type", None)
        try:
            event = _parse(kind, record)
            if self._done:
                raise _Invalid("a record after the end of the job")
            if isinstance(event, CheckReport) and event.outcome is Outcome.PASSED:
                raise _Invalid("a check reported as passed by the child (only the judge passes a check)")
            if isinstance(event, Tampering):
                raise _Invalid("a tamper record, which a judged job never sends")
        except _Invalid as exc:
            return self._flag(Malformed(str(exc)))
        self._done = isinstance(event, Done)
        self.records.append(event)

    def close(self) -> None:
        if self.control_fd >= 0:  # once only: a closed fd number may already belong to a new pipe
            os.close(self.control_fd)
            self.control_fd = -1


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number a record may hold")


def _parse(kind: object, fields: dict) -> Event:
    """One record's event, or `_Invalid` saying which rule it broke."""
    spec = _FIELDS.get(kind) if isinstance(kind, str) else None
    if spec is None:
        raise _Invalid("a record of unknown type")
    if fields.keys() != spec.keys():
        raise _Invalid(f"a {kind} record with missing or extra fields")
    for name, types in spec.items():
        value = fields[name]
        if type(value) not in types:  # exact: True is not a duration
            raise _Invalid(f"{kind}.{name} of the wrong type")
        if isinstance(value, str):
            limit = ID_CHARS if name == "id" else MESSAGE_CHARS
            if len(value) > limit:
                raise _Invalid(f"{kind}.{name} longer than {limit} characters")
            if _SURROGATE.search(value):
                raise _Invalid(f"{kind}.{name} is not valid UTF-8 text (a lone surrogate)")
    if kind == "check":
        if fields["outcome"] not in Outcome._value2member_map_:
            raise _Invalid("check.outcome is not a known outcome")
        duration = fields["duration"]
        if not 0 <= duration <= MAX_SECONDS:  # false for NaN too; a huge int never reaches float()
            raise _Invalid(f"check.duration is not a number of seconds from 0 to {MAX_SECONDS:g}")
        return CheckReport(fields["id"], Outcome(fields["outcome"]), fields["message"], float(duration))
    if kind == "observed":
        duration = fields["duration"]
        if not 0 <= duration <= MAX_SECONDS:
            raise _Invalid(f"observed.duration is not a number of seconds from 0 to {MAX_SECONDS:g}")
        return Observed(fields["id"], fields["value"], float(duration))
    if kind == "load_error":
        return LoadError(fields["message"], fields["timeout"])
    if kind == "tamper":
        return Tampering(fields["message"])
    return Done()


def next_turn(control_fd: int) -> str:
    """In the child: wait for the token of the next turn (EOF: the parent is gone, so stop)."""
    line = bytearray()
    while not line.endswith(b"\n"):
        chunk = os.read(control_fd, 64)
        if not chunk:
            raise SystemExit(PARENT_GONE)
        line += chunk
    return line.decode().strip()


PARENT_GONE = 71
