"""Before a class is graded: prove that this machine can grade at all.

`references()` grades every selected kata's reference on every device the batch will use, with
the batch's own limits and sandbox. Anything short of full marks means the environment is broken
(a driver that fails under the sandbox, a missing library, a limit too tight), so the batch stops
before any learner is graded: an environment failure must never be recorded as a learner's grade.
`probe()` is the smaller form `kata doctor` runs: one tiny tensor computation per device.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from grader import devices
from grader.catalog import Kata, load_kata
from grader.errors import KataError
from grader.results import KataResult, points_text
from grader.runner import GraderFailure, grade_many
from grader.sandbox import Limits
from grader.worker import Job, Worker

_PROBE = Path(__file__).parent / "probe"


class EnvironmentBroken(KataError):
    """The reference of a kata did not score full marks here: grading would blame the learners."""


@dataclass(frozen=True)
class Passed:
    jobs: int
    seconds: float


def concrete_devices(device: str) -> list[str]:
    """`cuda` (every GPU) -> each of them; a concrete device -> itself."""
    kind, _, index = device.partition(":")
    if kind == "cpu" or index or kind == "mps":
        return [device]
    return [d.name for d in devices.available() if d.name.split(":")[0] == kind] or [device]


def _explain(result: KataResult) -> str:
    failing = next((c for c in result.checks if c.outcome != "passed" and c.max_points > 0), None)
    where = f"check {failing.id}: {failing.message}" if failing else result.status_message
    return f"{points_text(result.points, result.max_points)} points, {result.status}; {where}"


def references(worker: Worker, katas: list[Kata], device: str, limits: Limits) -> Passed:
    started = time.monotonic()
    jobs = [Job(kata, kata.reference, name, limits) for kata in katas for name in concrete_devices(device)]
    for job, result in grade_many(worker, jobs):
        if not result.full_marks:
            raise EnvironmentBroken(
                f"the grading environment is broken: the reference of kata '{job.kata.id}' scored "
                f"{_explain(result)} on {result.device}. No learner was graded; run `kata doctor`."
            )
    return Passed(len(jobs), time.monotonic() - started)


def probe_kata() -> Kata:
    return load_kata(_PROBE / "katas" / "00-probe", _PROBE / "reference")


def probe(device_names: list[str], limits: Limits | None = None) -> dict[str, KataResult | GraderFailure]:
    """For each device, the result of a job under the real limits that computes there (full marks: ok),
    or why the job could not even start there: one broken device must not hide the others' answers."""
    kata = probe_kata()
    worker = Worker([kata], parallel=1)
    limits = limits or Limits()
    answers: dict[str, KataResult | GraderFailure] = {}
    for name in device_names:
        try:
            [(_, answers[name])] = grade_many(worker, [Job(kata, kata.reference, name, limits)])
        except GraderFailure as failure:
            answers[name] = failure
    return answers
