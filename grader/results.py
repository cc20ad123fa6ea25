"""Result types and their versioned JSON form.

`CheckResult` is one hidden check, `KataResult` one graded kata, `LearnerResult` one learner's
katas. The parent builds these from the expected check list it collected itself, so a check the
child never reported is a failure, never a pass.

Text a learner's code made (messages, printed output) may hold anything a Python string can:
`safe_text` is what every such string goes through where results are built (runner.py) and again
in every writer (gradebook, exports, report), so a store or a file format never meets a lone
surrogate, a control character or a bidirectional override.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, fields

SCHEMA_VERSION = 1

# A kata's status (`KataResult.status`) and a check's outcome (`CheckResult.outcome`): the stored and
# exported words, named once. Decisions compare against these names, never against message text.
PASSED = "passed"
FAILED = "failed"
SKIPPED = "skipped"  # a check only: it does not run on the job's device
ERROR = "error"
TIMEOUT = "timeout"
OOM = "oom"
CRASHED = "crashed"
NOT_STARTED = "not-started"  # a kata with nothing to run: never started, or its stub unchanged
MISSING = "missing"  # `kata batch` exports: no result for the learner's current files
CLEAN = (PASSED, SKIPPED)  # check outcomes that cost no points
JOB_FAILURES = (TIMEOUT, CRASHED, OOM, ERROR)  # the job itself went wrong; a rerun may change it

# C0/C1 controls but tab and newline (NUL, ESC sequences for a terminal...), lone surrogates (no
# UTF-8 form) and the bidirectional embeddings, overrides and isolates (they reorder what a reader sees)
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def safe_text(text: str) -> str:
    """`text` with line ends as \\n and every unsafe character (above) replaced by U+FFFD."""
    return _UNSAFE.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


def points_text(points: float, max_points: float) -> str:
    """Points as every table shows them: `7/10`, `2.5/3`."""
    return f"{points:g}/{max_points:g}"


def safe_data(value: object) -> object:
    """A JSON-able value with every string made safe and every non-finite number made 0."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return 0.0
    if isinstance(value, dict):
        return {safe_text(str(k)): safe_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [safe_data(v) for v in value]
    return value


@dataclass
class CheckResult:
    id: str
    title: str
    title_zh: str
    points: float
    max_points: float
    outcome: str
    message: str = ""
    duration: float = 0.0
    message_zh: str = ""  # the check's own Chinese message; the engine's English ones are translated
    figures: list[dict] = field(default_factory=list)  # {"en", "zh", "value", "text"}: what the check measured

    def localized_title(self, lang: str) -> str:
        from grader.i18n import pick  # here, not above: the grading child imports this module too

        return pick({"en": self.title, "zh": self.title_zh}, lang)

    def localized_message(self, lang: str) -> str:
        from grader.i18n import translate

        return self.message_zh if lang == "zh" and self.message_zh else translate(self.message, lang)


@dataclass
class KataResult:
    kata: str
    version: int
    status: str
    status_message: str
    checks: list[CheckResult]
    device: str
    torch_version: str
    duration: float = 0.0
    output: str = ""  # the end of what the learner's code printed, for debugging (never a verdict)
    protections: dict[str, bool] = field(default_factory=dict)  # sandbox protections active for the job
    dropped_files: list[str] = field(default_factory=list)  # submitted files not graded (not named by the kata)
    cpu_wait: float | None = None  # a timeout's seconds spent waiting for a CPU (a busy machine); None: unknown

    @property
    def points(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_points(self) -> float:
        return sum(c.max_points for c in self.checks)

    @property
    def passed_count(self) -> int:
        return sum(c.outcome == PASSED for c in self.checks)

    @property
    def full_marks(self) -> bool:
        return self.status == PASSED

    def first_failure(self) -> CheckResult | None:
        return next((c for c in self.checks if c.outcome not in CLEAN), None)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(points=self.points, max_points=self.max_points)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "KataResult":
        """A result as `to_dict` wrote it; fields this version does not know (a later one's additions)
        are left out, fields it added since have their defaults."""
        return cls(**_known(cls, data, checks=[CheckResult(**_known(CheckResult, c)) for c in data["checks"]]))


def _known(kind: type, data: dict, **replacing: object) -> dict:
    names = {f.name for f in fields(kind)}
    return {**{k: v for k, v in data.items() if k in names}, **replacing}


@dataclass
class LearnerResult:
    learner: str
    katas: list[KataResult] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(k.points for k in self.katas)

    @property
    def max_points(self) -> float:
        return sum(k.max_points for k in self.katas)

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "learner": self.learner,
            "points": self.points,
            "max_points": self.max_points,
            "katas": [k.to_dict() for k in self.katas],
        }
