"""The results channel: JSON lines from the grading child to the zygote, validated into typed events.

A judged check's child sends, per check, either its observations (`observed`, still encoded: only
the judge decodes and judges them) or why there are none (`check`: failed, skipped, timeout, oom).
A child can never report a pass: passes are decided by the judge (judge.py). Nothing the child
writes, prints or leaves behind counts otherwise, and nothing is ever unpickled.

Every line is validated here before anything reads it: strict UTF-8, JSON without NaN or Infinity,
a known record type with exactly its fields and their types, strings within size and without
surrogates, durations from 0 to MAX_SECONDS, one report per check of the job, at most
MAX_OBSERVED_BYTES of observations in all, at most MAX_JSON_VALUES values in all (bounded by counting
`[{,:` before a line is parsed: a byte of JSON can become 20 of Python objects), observations nested at most
MAX_VALUE_DEPTH arrays deep (the zygote pickles them on to the `kata` process), and nothing after
`done`. What comes out is typed
events: `CheckReport`, `Observed`, `LoadError`, `Done`, and `Malformed` for what broke a rule (the
first only, so a flood stays small). The runner decides on these types; it never reads a message
to decide.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum
from typing import Union

MAX_LINE_BYTES = 96 * 1024 * 1024  # a check's observations (tensors as base64); a longer line is not ours
MESSAGE_CHARS = 2000  # the plugin cuts every message to this; a longer one was not made by it
ID_CHARS = 1000
MAX_SECONDS = 1e6  # a check's duration: finite, and far above any time limit
MAX_RECORDS = 4096  # a kata has a few dozen checks: a child that sends more is flooding the zygote
# All of a job's observations together: the zygote and the `kata` process hold them until judged, outside
# every process of the job that the memory limit counts.
MAX_OBSERVED_BYTES = 128 * 1024 * 1024
# Parsed JSON held by the zygote and the `kata` process, outside every limit of the job: an empty
# list, 3 bytes of JSON, is 64 bytes of Python. The encoder's largest value (observations.MAX_ITEMS
# entries, each a tensor of 16 dimensions: 24 JSON values) stays under this; an attacker's 2 million
# empty lists (each counts twice, after its "[" and its ",") take ~130 MB.
MAX_JSON_VALUES = 4_000_000
# An observation nests at most 33 values (observations.MAX_DEPTH), each at most 3 JSON arrays deep
# (a dict entry, a tensor's shape); pickle fails near 500, which would stop the zygote.
MAX_VALUE_DEPTH = 128
_SURROGATE = re.compile("[\ud800-\udfff]")
_VALUE_STARTS = (b"[", b"{", b",", b":")
_CUT = " ... (message cut)"


def clip(text: str) -> str:
    """A message cut to MESSAGE_CHARS, saying so."""
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - len(_CUT)] + _CUT


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
    message_zh: str = ""  # the judge's Chinese message; "" when it has none (or no child could give one)
    figures: tuple[dict, ...] = ()  # what the judge measured (judge.Measured)


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
class Started:
    """The child is set up (confined, its device claimed, its inputs read): learner code runs next.
    A job that ends without it failed in the grader's hands, before any learner code could run."""


@dataclass(frozen=True)
class Done:
    pass


@dataclass(frozen=True)
class Malformed:
    what: str  # written by this module, never the child's own text


Event = Union[Started, CheckReport, Observed, LoadError, Done, Malformed]

# record type -> its fields and their JSON types (exactly these, no more)
_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "check": {"id": (str,), "outcome": (str,), "message": (str,), "duration": (int, float)},
    "observed": {"id": (str,), "value": (list,), "duration": (int, float)},
    "load_error": {"message": (str,), "timeout": (bool,)},
    "started": {},
    "done": {},
}


class _Invalid(Exception):
    pass


class ParentChannel:
    """The zygote's end: feed it what the child wrote; read `records` (typed events) when the child is gone.

    With `ids` (the job's check names), a report for another id or a second one for the same id is
    malformed at once, so a child cannot pile up records for the zygote to hold."""

    def __init__(self, ids: frozenset[str] | None = None) -> None:
        self.records: list[Event] = []
        self.reports = 0  # checks that reported so far (progress)
        self.started = False
        self._ids = ids
        self._reported: set[str] = set()
        self._observed_bytes = 0
        self._values = 0  # JSON values parsed so far (MAX_JSON_VALUES)
        self._pending = bytearray()
        self._done = False
        self._void = False  # a malformed record voids the job: what follows is read and dropped

    def feed(self, data: bytes) -> None:
        """Linear in what the child writes: only the new bytes are searched for the end of a line."""
        if self._void:
            return
        searched = len(self._pending)
        self._pending += data
        while not self._void and (end := self._pending.find(b"\n", searched)) >= 0:
            line = bytes(self._pending[:end])
            del self._pending[: end + 1]
            searched = 0
            self._accept(line)
        if self._void:
            self._pending.clear()
        elif len(self._pending) > MAX_LINE_BYTES:
            self._pending.clear()
            self._flag(Malformed(f"a line longer than {MAX_LINE_BYTES} bytes"))

    def _flag(self, event: Malformed) -> None:
        self.records.append(event)
        self._void = True

    def _accept(self, line: bytes) -> None:
        self._values += _json_values(line)
        if self._values > MAX_JSON_VALUES:
            return self._flag(Malformed(f"more than {MAX_JSON_VALUES} values in the job's records"))
        try:
            record = json.loads(line.decode("utf-8"), parse_constant=_no_constant)
        except UnicodeDecodeError:
            return self._flag(Malformed("a line that is not valid UTF-8"))
        except (ValueError, RecursionError):
            return self._flag(Malformed("a line that is not JSON (or holds NaN or Infinity)"))
        if not isinstance(record, dict):
            return self._flag(Malformed("a line that is not a record"))
        kind = record.pop("type", None)
        try:
            event = _parse(kind, record)
            if self._done:
                raise _Invalid("a record after the end of the job")
            if isinstance(event, Started) and self.started:
                raise _Invalid("a second start record")
            if isinstance(event, CheckReport) and event.outcome is Outcome.PASSED:
                raise _Invalid("a check reported as passed by the child (only the judge passes a check)")
            if isinstance(event, (CheckReport, Observed)):
                self._count_report(event.id)
            if isinstance(event, Observed):
                self._observed_bytes += len(line)
                if self._observed_bytes > MAX_OBSERVED_BYTES:
                    raise _Invalid(f"more than {MAX_OBSERVED_BYTES // (1024 * 1024)} MiB of observations")
        except _Invalid as exc:
            return self._flag(Malformed(str(exc)))
        if len(self.records) >= MAX_RECORDS:
            return self._flag(Malformed(f"more than {MAX_RECORDS} records"))
        self.started |= isinstance(event, Started)
        self._done = isinstance(event, Done)
        self.reports += isinstance(event, (CheckReport, Observed))
        self.records.append(event)

    def _count_report(self, check_id: str) -> None:
        if self._ids is None:
            return
        if check_id not in self._ids:
            raise _Invalid("a result for a check that does not exist")
        if check_id in self._reported:
            raise _Invalid(f"{check_id[:80]} was reported twice")
        self._reported.add(check_id)


def _json_values(line: bytes) -> int:
    """At least as many as the values json.loads would make of `line`: each starts the line or follows
    one of `[{,:`. These characters inside strings count too (no check sends millions of them), which
    keeps this one linear pass in C: skipping strings would take a pattern that learner bytes can make
    quadratic."""
    return 1 + sum(line.count(start) for start in _VALUE_STARTS)


def _nested_too_deep(value: list) -> bool:
    """Deeper than MAX_VALUE_DEPTH arrays, or holding a JSON object (the encoder never makes one)."""
    stack = [(value, 1)]
    while stack:
        items, depth = stack.pop()
        if depth > MAX_VALUE_DEPTH:
            return True
        for item in items:
            if isinstance(item, dict):
                return True
            if isinstance(item, list):
                stack.append((item, depth + 1))
    return False


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
        if _nested_too_deep(fields["value"]):
            raise _Invalid(f"observations nested more than {MAX_VALUE_DEPTH} deep, or holding an object")
        return Observed(fields["id"], fields["value"], float(duration))
    if kind == "load_error":
        return LoadError(fields["message"], fields["timeout"])
    if kind == "started":
        return Started()
    return Done()


PARENT_GONE = 71  # the child's exit code when the zygote went away before its inputs came
