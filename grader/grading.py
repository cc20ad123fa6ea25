"""`kata grade` and `kata watch` in one call: grade some katas of a learner's workspace and record them.

The katas started in the workspace each run as a job on the given (warm) worker; a kata never started
is `not-started` without a run. Each graded result is recorded with the fingerprint of its files as
they were before the job copied them, so a save during grading is graded again next time. The caller
creates the worker first (its zygote imports torch while the caller does), so this module, which
imports the engine, is imported after it. A result that cannot be recorded (a read-only or full disk)
still counts: the results say why (`unsaved`), for the caller to show after them.
"""

from __future__ import annotations

from typing import Callable

from grader.catalog import Kata
from grader.i18n import say
from grader.results import KataResult
from grader.runner import grade_many, not_started_result
from grader.sandbox import Limits
from grader.worker import Job, Progress, Worker
from grader.workspace import StateNotSaved, Workspace, fingerprint


class Graded(list[KataResult]):
    """The results of `grade_workspace`, in order, and why they could not all be recorded (None: they were)."""

    unsaved: StateNotSaved | None = None


def grade_workspace(
    worker: Worker,
    space: Workspace,
    katas: list[Kata],
    device: str,
    limits: Limits,
    announce: Callable[[list[Kata]], None] | None = None,
    on_progress: Progress | None = None,
) -> Graded:
    """One result per kata of `katas`, in that order; `announce` hears which katas run, before they do,
    and `on_progress(job, checks_done, checks_total, printed)` each check as it reports."""
    started = [k for k in katas if space.is_started(k)]
    graded_files = {k.id: fingerprint(space.folder(k), k.files) for k in started}
    if started and announce is not None:
        announce(started)
    by_kata = {
        job.kata.id: result
        for job, result in grade_many(worker, [Job(k, space.folder(k), device, limits) for k in started], on_progress)
    }
    results = Graded()
    for kata in katas:
        result = by_kata.get(kata.id)
        if result is None:
            result = not_started_result(worker, kata, device, say("not_started_run", "en", id=kata.id))
        else:
            try:
                space.record(result, graded_files[kata.id])
            except StateNotSaved as exc:  # the grade stands: it is shown, then that it was not kept
                results.unsaved = results.unsaved or exc
        results.append(result)
    return results
