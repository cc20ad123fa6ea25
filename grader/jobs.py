"""What the engine's processes pass between them: a job, where it runs, and what came of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grader.catalog import Kata
from grader.channel import Event
from grader.sandbox import Limits

ANY_DEVICE = frozenset({"cpu", "accelerator"})


@dataclass(frozen=True)
class ExpectedCheck:
    id: str
    title: str
    title_zh: str
    points: float
    device_kinds: frozenset[str] = ANY_DEVICE  # where it runs, from cpu_only / accelerator_only


@dataclass
class Job:
    kata: Kata
    solution_dir: Path
    device: str = "cpu"
    limits: Limits = field(default_factory=Limits)
    tag: object = None

    @property
    def timeout(self) -> float:
        return self.limits.timeout or self.kata.timeout


@dataclass(frozen=True)
class Placement:
    """Where one job runs: its concrete device, its uid (root only) and its share of device memory."""

    device: str
    uid: int | None
    memory_fraction: float | None


@dataclass
class JobOutcome:
    job: Job
    records: list[Event]
    exit_code: int | None  # None when killed by a signal
    signal: int | None
    # "timeout", "oom", "gpu-memory" (past its share), "disk", "deep" (folders nested too deep) or None
    killed_for: str | None
    output: bytes
    duration: float
    dropped_files: tuple[str, ...] = ()  # submission files the job did not copy (not named by the kata)
    cpu_wait: float | None = None  # at a timeout: seconds its threads waited for a CPU (None: unknown)


def device_kind(device: str) -> str:
    return "cpu" if device.split(":")[0] == "cpu" else "accelerator"


def device_skip_reason(kinds: frozenset[str], device: str) -> str | None:
    """Why a check for `kinds` of device does not run on `device`, or None when it runs."""
    if device_kind(device) in kinds:
        return None
    if kinds == {"cpu"}:
        return f"only runs on the CPU (this run uses {device})"
    if kinds == {"accelerator"}:
        return "needs an accelerator (this run uses the CPU)"
    return "runs on no device (marked both cpu_only and accelerator_only)"


def device_kinds(marks: frozenset[str]) -> frozenset[str]:
    """The kinds of device ("cpu", "accelerator") a check runs on, from its marks."""
    kinds = set(ANY_DEVICE)
    if "cpu_only" in marks:
        kinds.discard("accelerator")
    if "accelerator_only" in marks:
        kinds.discard("cpu")
    return frozenset(kinds)
