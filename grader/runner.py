"""`grade()`: one kata, one solution folder, one device -> `KataResult`. Fails closed.

The judge owns the expected checks (judge.py), their points and which device each may skip on
(its `cpu_only` / `accelerator_only` marks). A check counts as passed only when the judge passed it
on the child's observations; every expected check without a verdict fails with the job's status and
its explanation. The decision reads typed events (channel.py), never message text: a malformed
record (one the channel rejected, an unknown check id, a check reported twice) voids every report of
the job, which is an `error`; a skip the parent did not allow is a failure that keeps its points in the maximum. Every
string that enters a result here goes through `safe_text`, and each result lists the sandbox
protections that were active for its job.
"""

from __future__ import annotations

import difflib
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import torch

from grader import sandbox
from grader.catalog import Kata
from grader.channel import CheckReport, Done, LoadError, Malformed, Outcome, Started
from grader.errors import KataError
from grader.i18n import say
from grader.jobs import device_skip_reason
from grader.results import (
    CLEAN,
    CRASHED,
    ERROR,
    FAILED,
    NOT_STARTED,
    OOM,
    PASSED,
    SKIPPED,
    TIMEOUT,
    CheckResult,
    KataResult,
    safe_text,
)
from grader.sandbox import Limits
from grader.worker import ExpectedCheck, Job, JobOutcome, Progress, Worker

OUTPUT_SHOWN_BYTES = 2000
SKIPPED_BY_SUBMISSION = say("skipped_by_submission", "en")  # every message is the catalogue's English


def too_large(kata: Kata, solution_dir: Path) -> str | None:
    """Why the kata's files are too large to copy into a job, or None (a notebook counts by its cells)."""
    counted = [p for p in sandbox.files_that_count(solution_dir, kata.files) if p.suffix != ".ipynb"]
    if sum(p.stat().st_size for p in counted) <= sandbox.MAX_COPIED_BYTES:
        return None
    names = ", ".join(p.name for p in counted)
    return say("files_too_large", "en", names=names, limit=sandbox.MAX_COPIED_BYTES // (1024 * 1024))


def missing_files(kata: Kata, solution_dir: Path) -> list[str]:
    """The kata's files the folder lacks (a link is never copied into a job, so it counts as missing); a
    notebook graded in place of the first file counts as it."""
    from grader.notebook import graded_notebook

    standing_in = kata.files[:1] if graded_notebook(solution_dir, kata.files) is not None else ()
    counted = {path.relative_to(solution_dir).as_posix() for path in sandbox.files_that_count(solution_dir, kata.files)}
    return [name for name in kata.files if name not in standing_in and name not in counted]


def _missing_message(solution_dir: Path, missing: list[str]) -> str:
    """What the learner lacks; for one file, what is there in its place: a link, or a file named like it
    (`tensor.py`, `Tensors.py`), which the job never copies."""
    if len(missing) > 1:
        return say("missing_files", "en", names=", ".join(missing))
    name = missing[0]
    if (solution_dir / name).is_symlink():
        return say("missing_file_link", "en", name=name)
    try:
        present = [
            p.name
            for p in solution_dir.iterdir()
            if p.suffix.lower() == Path(name).suffix.lower() and sandbox.is_submitted_file(p)
        ]
    except OSError:
        present = []
    near = difflib.get_close_matches(name.lower(), [n.lower() for n in present], n=1, cutoff=0.8)
    if near:
        found = next(n for n in present if n.lower() == near[0])
        return say("missing_file_near", "en", name=name, found=found)
    return say("missing_file", "en", names=name)


@dataclass(frozen=True)
class _Verdict:
    """The job-level status when the child did not finish normally."""

    status: str
    message: str
    void: bool = False  # the child's reports cannot be trusted: none of them counts


def _unknown_or_repeated(outcome: JobOutcome, expected: list[ExpectedCheck]) -> str | None:
    """What is wrong with the job's check ids (the channel cannot know the expected ones)."""
    known, seen = {c.id for c in expected}, set()
    for report in (e for e in outcome.records if isinstance(e, CheckReport)):
        if report.id not in known:
            return "a result for a check that does not exist"
        if report.id in seen:
            return f"{report.id} was reported twice"
        seen.add(report.id)
    return None


class GraderFailure(KataError):
    """A job that ended before its learner code could run: the machine's or the grader's failure,
    never recorded as the learner's."""


def _setup_failure(outcome: JobOutcome) -> str:
    """Why a job ended before it started, for the instructor or learner who must fix the machine."""
    if outcome.killed_for == "oom":
        return f"the job's memory limit of {outcome.job.limits.memory_mb} MB is too small for the grader itself"
    if outcome.killed_for is not None:
        return f"stopped for {outcome.killed_for} while it was being set up"
    said = outcome.output.decode("utf-8", errors="replace").strip().splitlines()
    return safe_text(said[-1]) if said else f"the grading process ended with {outcome.exit_code or outcome.signal}"


def _job_verdict(outcome: JobOutcome, expected: list[ExpectedCheck]) -> _Verdict | None:
    events = outcome.records
    if not any(isinstance(e, Started) for e in events):  # learner code runs only after the child says so
        raise GraderFailure.of("grader_failed", reason=_setup_failure(outcome))
    problem = next((e for e in events if isinstance(e, Malformed)), None)  # the first one names it
    malformed = problem.what if problem is not None else _unknown_or_repeated(outcome, expected)
    if malformed is not None:
        return _Verdict(ERROR, say("malformed", "en", reason=malformed), void=True)
    timeout = outcome.job.timeout
    if outcome.killed_for == "timeout" or outcome.signal == signal.SIGXCPU:
        return _Verdict(TIMEOUT, say("stopped_after", "en", seconds=f"{timeout:g}"))
    if outcome.killed_for == "oom":
        return _Verdict(OOM, say("stopped_memory", "en", mb=outcome.job.limits.memory_mb))
    if outcome.killed_for == "gpu-memory":
        return _Verdict(OOM, say("stopped_gpu_memory", "en"))
    if outcome.killed_for == "disk":
        return _Verdict(ERROR, say("stopped_disk", "en", mb=outcome.job.limits.disk_mb))
    if outcome.killed_for == "deep":
        return _Verdict(ERROR, say("stopped_deep", "en", depth=sandbox.MAX_FOLDER_DEPTH))
    if not any(isinstance(e, Done) for e in events):
        if outcome.signal is not None:
            name = (
                signal.Signals(outcome.signal).name
                if outcome.signal in signal.Signals._value2member_map_
                else outcome.signal
            )
            return _Verdict(CRASHED, say("killed_by", "en", signal=name))
        return _Verdict(CRASHED, say("exited_early", "en", code=outcome.exit_code))
    load_error = next((e for e in events if isinstance(e, LoadError)), None)
    if load_error is not None:
        return _Verdict(TIMEOUT if load_error.timed_out else ERROR, load_error.message)
    return None


def _check_result(
    check: ExpectedCheck, report: CheckReport | None, verdict: _Verdict | None, skip_reason: str | None
) -> CheckResult:
    if skip_reason is not None:  # the parent's decision: this check does not run on the job's device
        return CheckResult(check.id, check.title, check.title_zh, 0.0, 0.0, SKIPPED, skip_reason)
    if report is None:
        outcome = verdict.status if verdict and verdict.status in (TIMEOUT, OOM, ERROR) else FAILED
        message = verdict.message if verdict else say("no_result", "en")
        return CheckResult(check.id, check.title, check.title_zh, 0.0, check.points, outcome, safe_text(message))
    if report.outcome is Outcome.SKIPPED:
        return CheckResult(
            check.id,
            check.title,
            check.title_zh,
            0.0,
            check.points,
            FAILED,
            safe_text(
                say("skipped_by_submission_why", "en", reason=report.message)
                if report.message
                else say("skipped_by_submission", "en")
            ),
            report.duration,
        )
    passed = report.outcome is Outcome.PASSED
    return CheckResult(
        check.id,
        check.title,
        check.title_zh,
        check.points if passed else 0.0,
        check.points,
        report.outcome.value,
        safe_text(report.message),
        report.duration,
        safe_text(report.message_zh),
        [dict(figure, en=safe_text(figure["en"]), zh=safe_text(figure["zh"])) for figure in report.figures],
    )


def build_result(
    kata: Kata, expected: list[ExpectedCheck], outcome: JobOutcome, protections: Mapping[str, bool] | None = None
) -> KataResult:
    """The job's result from its typed events; the parent alone decides which checks skip on its device."""
    verdict = _job_verdict(outcome, expected)
    reports = {} if verdict and verdict.void else {e.id: e for e in outcome.records if isinstance(e, CheckReport)}
    device = outcome.job.device
    checks = [
        _check_result(check, reports.get(check.id), verdict, device_skip_reason(check.device_kinds, device))
        for check in expected
    ]
    if verdict:
        status, message = verdict.status, verdict.message
    elif any(c.outcome == OOM for c in checks):
        status, message = OOM, say("check_oom", "en")
    elif all(c.outcome in CLEAN for c in checks):
        status, message = PASSED, say("every_check_passed", "en")
    else:
        failing = sum(c.outcome not in CLEAN for c in checks)
        status, message = FAILED, say("n_failed", "en", failing=failing, total=len(checks))
    return KataResult(
        kata=kata.id,
        version=kata.version,
        status=status,
        status_message=safe_text(message),
        checks=checks,
        device=device,
        torch_version=torch.__version__,
        duration=round(outcome.duration, 3),
        output=safe_text(outcome.output[-OUTPUT_SHOWN_BYTES:].decode("utf-8", errors="replace")),
        protections=dict(protections or {}),
        dropped_files=[safe_text(name) for name in outcome.dropped_files],
        cpu_wait=None if outcome.cpu_wait is None else round(outcome.cpu_wait, 3),
    )


def unloadable_result(kata: Kata, expected: list[ExpectedCheck], device: str, status: str, message: str) -> KataResult:
    """A result for a job that never ran (missing files, kata not started)."""
    outcome = ERROR if status == ERROR else FAILED
    checks = []
    for c in expected:
        skip_reason = device_skip_reason(c.device_kinds, device)
        checks.append(
            CheckResult(c.id, c.title, c.title_zh, 0.0, 0.0, SKIPPED, skip_reason)
            if skip_reason
            else CheckResult(c.id, c.title, c.title_zh, 0.0, c.points, outcome, safe_text(message))
        )
    return KataResult(kata.id, kata.version, status, safe_text(message), checks, device, torch.__version__)


def not_started_result(worker: Worker, kata: Kata, device: str, why: str) -> KataResult:
    """A kata with nothing to run (never started, or its stub unchanged): 0 points, no child."""
    return unloadable_result(kata, worker.expected(kata), device, NOT_STARTED, why)


def grade_many(
    worker: Worker,
    jobs: Iterable[Job],
    on_progress: Progress | None = None,
) -> Iterator[tuple[Job, KataResult]]:
    """Grade every job on the worker; jobs whose files are missing never start a child.
    `on_progress(job, checks_done, checks_total, printed)` hears each job's checks as they report."""
    protections = sandbox.protections()  # asked here, in the parent, for the jobs it starts
    runnable = []
    for job in jobs:
        missing = missing_files(job.kata, job.solution_dir)
        oversized = None if missing else too_large(job.kata, job.solution_dir)
        if missing:
            message = _missing_message(job.solution_dir, missing)
            yield job, unloadable_result(job.kata, worker.expected(job.kata), job.device, ERROR, message)
        elif oversized:
            yield job, unloadable_result(job.kata, worker.expected(job.kata), job.device, ERROR, oversized)
        else:
            runnable.append(job)
    for outcome in worker.run_jobs(runnable, on_progress):
        kata = outcome.job.kata
        yield outcome.job, build_result(kata, worker.expected(kata), outcome, protections)


def grade(
    kata: Kata, solution_dir: Path, device: str = "cpu", limits: Limits | None = None, worker: Worker | None = None
) -> KataResult:
    worker = worker or Worker([kata])
    job = Job(kata, Path(solution_dir), device, limits or Limits())
    [(_, result)] = list(grade_many(worker, [job]))
    return result
