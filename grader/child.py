"""The grading child: confine, read this job's inputs, run the exercise halves, send observations.

A child is forked from the zygote (zygote.py), or spawned as `python -E -P` (zygote.python_command)
where fork is unsafe, which then collects for itself. It confines itself (sandbox.py), claims its
device, reads the inputs the judge made for this job (one line on the control pipe; they exist only
once the child does), and runs each exercise the judge asked for through pytest's own protocol
(fixtures, and pytest-timeout's per-check limit). plugin.py writes one record per check to the
results pipe: the observations, or why there are none. Nothing here decides a verdict.

`ExerciseCollection` is the pytest session over every kata's exercise halves, made once in the
zygote before any learner code exists; judge halves (test_*.py) are never collected here.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from grader import devices, plugin
from grader.catalog import Kata
from grader.channel import PARENT_GONE
from grader.errors import KataError
from grader.jobs import Job, Placement
from grader.observations import decode
from grader.sandbox import Limits, confine

CHILD_FAILED = 70


def exercise_files(kata: Kata) -> list[Path]:
    return sorted(kata.checks.glob("exercise_*.py"))


class _CollectErrors:
    """Remembers exercise files that failed to import, so a broken kata is a clear error."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.errors.append(f"{report.nodeid}: {str(report.longrepr).strip().splitlines()[-1]}")


def _pytest_args(files: list[Path]) -> list[str]:
    return [
        *map(str, files),
        "-c",
        os.devnull,  # never read a pytest.ini / conftest options from around the learner
        "--rootdir",
        str(Path(os.path.commonpath(files)).parent),
        "--import-mode=importlib",
        "--capture=no",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:logging",
        "-p",
        "no:faulthandler",  # it keeps a copy of the real stderr that learner code could write to
        "-p",
        "pytest_timeout",
        "-o",
        "timeout_method=signal",
    ]


class ExerciseCollection:
    """Each kata's exercise items, collected once (pytest's session), in file and definition order."""

    def __init__(self, katas: list[Kata]):
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # no third-party plugin joins in
        from _pytest.config import _prepareconfig
        from _pytest.main import Session
        from _pytest.terminal import TerminalWriter

        missing = [k.id for k in katas if not exercise_files(k)]
        if missing:
            raise KataError(f"{', '.join(missing)}: no checks/exercise_*.py (see docs/AUTHORING.md)")
        errors = _CollectErrors()
        files = [path for kata in katas for path in exercise_files(kata)]
        config = _prepareconfig(_pytest_args(files), plugins=[plugin, errors])
        config._do_configure()
        # pytest-timeout needs a terminal reporter; point it at /dev/null so that nothing pytest
        # says (headers, timeout stack dumps) reaches the learner's terminal or the results.
        config.pluginmanager.get_plugin("terminalreporter")._tw = TerminalWriter(open(os.devnull, "w"))
        session = Session.from_config(config)
        config.hook.pytest_sessionstart(session=session)
        session.perform_collect()
        if errors.errors:
            raise KataError("a kata's checks failed to load: " + "; ".join(errors.errors))
        self.items: dict[str, list[pytest.Item]] = {k.id: [] for k in katas}
        for item in session.items:
            kata = next(k for k in katas if k.checks.resolve() in Path(item.path).resolve().parents)
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(kata.check_timeout))
            self.items[kata.id].append(item)

    def names(self) -> dict[str, list[str]]:
        return {kata_id: [item.name for item in items] for kata_id, items in self.items.items()}


def readable(kata: Kata) -> tuple[Path, ...]:
    """Besides the interpreter: the kata's exercise halves and data, and the pack's shared data.
    Never its judge halves: a private pack's verdict code stays out of the child's reach."""
    return (*exercise_files(kata), kata.data, kata.folder.parent / "_shared")


def _read_inputs(control_fd: int) -> dict[str, object]:
    """This job's inputs: one line from the judge, sent once this child exists."""
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = os.read(control_fd, 1 << 20)
        if not chunk:
            raise SystemExit(PARENT_GONE)
        data += chunk
    os.close(control_fd)
    return decode(json.loads(data))


def _run_exercises(items: list[pytest.Item], context: plugin.JobContext) -> None:
    """Each exercise the judge gave inputs for (the others skip on this device), in order."""
    chosen = [item for item in items if item.name in context.inputs]
    for index, item in enumerate(chosen):
        next_item = chosen[index + 1] if index + 1 < len(chosen) else None
        item.ihook.pytest_runtest_protocol(item=item, nextitem=next_item)


def child_main(
    job: Job, job_dir: Path, items: list[pytest.Item], channel_fd: int, control_fd: int, placement: Placement
) -> None:
    """Inside the child: confine, run the exercises, report, and never return."""
    code = CHILD_FAILED
    # Rebind print() to fds 1 and 2 (the output pipe): the parent's sys.stdout may be a pytest
    # capture buffer or a block-buffered file whose content os._exit would lose.
    sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
    sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)
    try:
        # decided before confine: a private pack may be out of the throwaway uid's reach
        data_dir = job.kata.data_dir
        confine(job_dir, job.limits, job.timeout, placement.device, placement.uid, readable(job.kata))
        devices.claim(placement.device, placement.memory_fraction)
        context = plugin.JobContext(
            solution_dir=job_dir / "solution",
            files=job.kata.files,
            device=placement.device,
            data_dir=data_dir,
            channel_fd=channel_fd,
        )
        plugin.set_context(context)
        context.inputs = _read_inputs(control_fd)
        plugin.emit({"type": "started"})
        _run_exercises(items, context)
        plugin.emit({"type": "done"})
        code = 0
    except BaseException as exc:  # noqa: BLE001 - report and die; the parent fails the job closed
        try:
            os.write(2, f"grading child failed: {type(exc).__name__}: {exc}\n".encode())
        except OSError:
            pass
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


def open_fds() -> set[int]:
    try:
        return {int(name) for name in os.listdir("/proc/self/fd")}
    except OSError:
        return set()


def close_fds_opened_since(baseline: set[int], keep: set[int]) -> None:
    """In a child: other jobs' pipes and the caller's files (e.g. the gradebook) must not reach learner code."""
    for fd in open_fds() - baseline - {0, 1, 2} - keep:
        try:
            os.close(fd)
        except OSError:
            pass


def stdin_from_devnull() -> None:
    """Learner code must not read or write the instructor's terminal."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)


def spawn_spec(job: Job, job_dir: Path, channel_fd: int, control_fd: int, placement: Placement) -> str:
    return json.dumps(
        {
            "kata_folder": str(job.kata.folder),
            "reference_root": str(job.kata.reference.parent),
            "job_dir": str(job_dir),
            "limits": job.limits.__dict__,
            "placement": placement.__dict__,
            "channel_fd": channel_fd,
            "control_fd": control_fd,
        }
    )


def _spawned_main() -> None:
    """`python -E -P` (zygote.python_command): a cold child that collects for itself, then grades one job."""
    from grader.catalog import load_kata

    spec = json.loads(sys.argv[-1])
    kata = load_kata(Path(spec["kata_folder"]), Path(spec["reference_root"]))
    collection = ExerciseCollection([kata])
    placement = Placement(**spec["placement"])
    job = Job(kata, Path(spec["job_dir"]) / "solution", placement.device, Limits(**spec["limits"]))
    child_main(job, Path(spec["job_dir"]), collection.items[kata.id], spec["channel_fd"], spec["control_fd"], placement)
