"""The exercise half of a judged check: helpers for code that runs in the grading child.

An exercise calls the learner's code with the job's inputs and returns what happened; it never
decides anything (the judge does, judge.py). `attempt` turns an exception from the learner's code
into a value (`Raised`), so the judge can say what the call raised with its own teaching message
(`expect.returned`), while the stub's own "not started" marker still stops the check as not started
and running out of memory stops it as `oom`.
"""

from __future__ import annotations

from typing import Any, Callable

from grader import plugin
from grader.observations import Raised


def attempt(function: Callable, *args: Any, **kwargs: Any) -> Any:
    """`function(*args, **kwargs)`, or `Raised` describing what it raised (the stub's marker propagates)."""
    try:
        return function(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - whatever the learner's code raises becomes a value
        if plugin.is_stub_marker(exc) or plugin.is_out_of_memory(exc):
            raise
        where = plugin.learner_frame(exc.__traceback__)
        file, line = (where[0], where[1]) if where else ("", 0)
        return Raised(type(exc).__name__, plugin.text_of(exc), file, line)
