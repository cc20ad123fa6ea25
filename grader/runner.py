"""`grade()`: one kata, one solution folder, one device -> `KataResult`. Fails closed.

The parent owns the expected checks (collected before learner code ran) and their points. A check
counts as passed only when the child reported it passed over the job's pipe in its own turn;
every expected check without such a report fails with the job's status and its explanation.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Iterable, Iterator

import torch

from grader.catalog import Kata
from grader.results import CheckResult, KataResult
from grader.sandbox import Limits
from grader.worker import ExpectedCheck, Job, JobOutcome, Worker

OUTPUT_SHOWN_BYTES = 2000


def missing_files(kata: Kata, solution_dir: Path) -> list[str]:
    return [name for name in kata.files if not (solution_dir / name).is_file()]


def _job_status(outcome: JobOutcome) -> tuple[str, str] | None:
    """The job-level status when the child did not finish normally, else None."""
    records = outcome.records
    tamper = next((r for r in records if r.get("type") == "tamper"), None)
    if tamper:
        return "error", f"tampering detected: {tamper.get('message', '')}; no points awarded"
    ids = [r.get("id") for r in records if r.get("type") == "check"]
    if len(ids) != len(set(ids)):
        return "error", "tampering detected: a check was reported twice; no points awarded"
    timeout = outcome.job.timeout
    if outcome.killed_for == "timeout" or outcome.signal == signal.SIGXCPU:
        return "timeout", f"stopped after {timeout:g} s (an endless loop or a hang?)"
    if outcome.killed_for == "oom":
        return "oom", f"stopped for using more than {outcome.job.limits.memory_mb} MB of memory"
    if not any(r.get("type") == "done" for r in records):
        if outcome.signal is not None:
            name = signal.Signals(outcome.signal).name if outcome.signal in signal.Signals._value2member_map_ else outcome.signal
            return "crashed", f"the grading process was killed by {name} (did your code kill it or crash?)"
        return "crashed", (
            f"the grading process exited early with code {outcome.exit_code} "
            "(did your code call exit() or os._exit()?)"
        )
    load_error = next((r for r in records if r.get("type") == "load_error"), None)
    if load_error:
        status = "timeout" if load_error.get("status") == "timeout" else "error"
        return status, str(load_error.get("message", "your code could not be imported"))
    return None


def build_result(kata: Kata, expected: list[ExpectedCheck], outcome: JobOutcome) -> KataResult:
    job_status = _job_status(outcome)
    reported = {r["id"]: r for r in outcome.records if r.get("type") == "check" and "id" in r}
    tampered = job_status is not None and job_status[1].startswith("tampering")
    checks = []
    for check in expected:
        record = reported.get(check.id) if not tampered else None
        if record is None:
            outcome_name = job_status[0] if job_status and job_status[0] in ("timeout", "oom", "error") else "failed"
            message = job_status[1] if job_status else "no result was reported for this check"
            checks.append(CheckResult(check.id, check.title, check.title_zh, 0.0, check.points, outcome_name, message))
            continue
        result_outcome = str(record.get("outcome", "failed"))
        skipped = result_outcome == "skipped"
        passed = result_outcome == "passed"
        checks.append(
            CheckResult(
                id=check.id,
                title=check.title,
                title_zh=check.title_zh,
                points=check.points if passed else 0.0,
                max_points=0.0 if skipped else check.points,
                outcome=result_outcome,
                message=str(record.get("message", "")),
                duration=float(record.get("duration", 0.0)),
            )
        )
    if job_status:
        status, message = job_status
    elif any(c.outcome == "oom" for c in checks):
        status, message = "oom", "a check ran out of memory (on an accelerator: its memory is full)"
    elif all(c.outcome in ("passed", "skipped") for c in checks):
        status, message = "passed", "every check passed"
    else:
        failing = sum(c.outcome not in ("passed", "skipped") for c in checks)
        status, message = "failed", f"{failing} of {len(checks)} checks failed"
    return KataResult(
        kata=kata.id,
        version=kata.version,
        status=status,
        status_message=message,
        checks=checks,
        device=outcome.job.device,
        torch_version=torch.__version__,
        duration=round(outcome.duration, 3),
        output=outcome.output[-OUTPUT_SHOWN_BYTES:].decode("utf-8", errors="replace"),
    )


def unloadable_result(kata: Kata, expected: list[ExpectedCheck], device: str, status: str, message: str) -> KataResult:
    """A result for a job that never ran (missing files, kata not started)."""
    checks = [CheckResult(c.id, c.title, c.title_zh, 0.0, c.points, "error" if status == "error" else "failed", message) for c in expected]
    return KataResult(kata.id, kata.version, status, message, checks, device, torch.__version__)


def grade_many(worker: Worker, jobs: Iterable[Job]) -> Iterator[tuple[Job, KataResult]]:
    """Grade every job on the worker; jobs whose files are missing never start a child."""
    runnable = []
    for job in jobs:
        missing = missing_files(job.kata, job.solution_dir)
        if missing:
            message = f"missing file{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"
            yield job, unloadable_result(job.kata, worker.expected(job.kata), job.device, "error", message)
        else:
            runnable.append(job)
    for outcome in worker.run_jobs(runnable):
        yield outcome.job, build_result(outcome.job.kata, worker.expected(outcome.job.kata), outcome)


def grade(kata: Kata, solution_dir: Path, device: str = "cpu", limits: Limits | None = None,
          worker: Worker | None = None) -> KataResult:
    worker = worker or Worker([kata])
    job = Job(kata, Path(solution_dir), device, limits or Limits())
    [(_, result)] = list(grade_many(worker, [job]))
    return result
