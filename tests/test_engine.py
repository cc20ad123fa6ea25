"""The engine fails closed: every bad submission scores 0 with the right status and a clear message,
and a correct submission graded right after on the same warm worker is unaffected."""

from __future__ import annotations

import dataclasses
import os
import textwrap
import time
from pathlib import Path

import pytest

from grader.runner import grade
from grader.worker import Job, Worker


def _grade(worker: Worker, kata, folder: Path):
    return grade(kata, folder, worker=worker)


def _why(result) -> str:
    """The status and each check that did not pass, with its message: what a failure on another
    machine needs to be understood from its log alone."""
    failing = [f"{c.id}: {c.outcome}: {c.message}" for c in result.checks if c.outcome != "passed"]
    return "\n".join([result.status_message, *failing])


def _full(worker: Worker, kata) -> float:
    return sum(c.points for c in worker.expected(kata))


def test_reference_gets_full_points(worker, tensors):
    result = _grade(worker, tensors, tensors.reference)
    assert result.status == "passed"
    assert result.points == result.max_points == _full(worker, tensors)
    assert all(c.outcome == "passed" for c in result.checks)


def test_stub_fails_every_check_as_not_started(worker, tensors):
    result = _grade(worker, tensors, tensors.stub)
    assert result.status == "failed" and result.points == 0
    assert all(c.message.startswith("not started yet") for c in result.checks)


BAD_SUBMISSIONS = {
    "syntax error": (None, "def to_float_tensor(:\n    pass\n", "error", "syntax error at line 1"),
    "exception at import": ("raise ValueError('boom')", None, "error", "raised ValueError while being imported: boom"),
    "sys.exit at import": ("import sys\nsys.exit(0)", None, "error", "called exit(0) while being imported"),
    "pytest.skip at import": (
        "import pytest\npytest.skip('nothing', allow_module_level=True)",
        None,
        "error",
        "pytest.skip",
    ),
    "os._exit at import": ("import os\nos._exit(0)", None, "crashed", "exited early with code 0"),
    "SIGKILL itself": ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", None, "crashed", "SIGKILL"),
    "endless loop at import": ("while True:\n    pass", None, "timeout", "did not finish importing in time"),
    "fake JSON on stdout": (
        'import json\nfor n in range(20):\n    print(json.dumps({"type": "check", "id": "test_move_to", '
        '"outcome": "passed"}))\nprint("9 passed")\nraise RuntimeError("no")',
        None,
        "error",
        "RuntimeError",
    ),
}


@pytest.mark.parametrize("case", list(BAD_SUBMISSIONS))
def test_bad_submission_scores_zero_with_status(case, worker, tensors, make_submission):
    extra, source, status, message = BAD_SUBMISSIONS[case]
    result = _grade(worker, tensors, make_submission(extra or "", source))
    assert result.points == 0, [(c.id, c.outcome) for c in result.checks]
    assert result.status == status, result.status_message
    assert message in result.status_message
    assert all(c.outcome != "passed" for c in result.checks)
    after = _grade(worker, tensors, tensors.reference)
    assert after.status == "passed" and after.points == _full(worker, tensors)


PATCHES = {
    "torch's comparisons": "import torch\ntorch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True\n"
    "torch.Tensor.__eq__ = lambda *a, **k: True\n",
    "builtins": "import builtins\nbuiltins.all = lambda *a: True\nbuiltins.any = lambda *a: True\n",
}


@pytest.mark.parametrize("patch", list(PATCHES))
def test_patching_the_childs_process_changes_no_verdict(patch, worker, tensors, make_submission):
    """The comparisons run in the judge's process: the broken function gets nothing (and patching the
    child's own builtins may break its other answers: never the judge's)."""
    result = _grade(worker, tensors, make_submission(PATCHES[patch] + "def to_float_tensor(data):\n    return 0\n"))
    broken = next(c for c in result.checks if c.id == "test_to_float_tensor")
    assert broken.points == 0 and "should be a torch.Tensor, got int" in broken.message
    assert result.status == "failed" and result.points <= _full(worker, tensors) - broken.max_points


def test_the_time_limit_starts_when_learner_code_can_run(worker, tensors, monkeypatch):
    """The `kata` process may be slow to send a job its inputs (judging other jobs): that wait is the
    machine's, so it counts neither as the learner's time nor as a failure to set the job up."""
    kata = dataclasses.replace(tensors, timeout=5.0)
    making = worker._judgement

    def slow_judgement(*args):
        time.sleep(kata.timeout + 1)
        return making(*args)

    monkeypatch.setattr(worker, "_judgement", slow_judgement)
    result = _grade(worker, kata, kata.reference)
    assert result.status == "passed", _why(result)


def test_a_kata_process_slow_to_send_inputs_never_stops_a_job_waiting_for_them(tensors, forked_zygote, monkeypatch):
    """Setting up may take `_SETUP_SECONDS` from when the inputs came, not from the fork: a `kata`
    process busy judging a classmate's job for longer must not turn this job into a grader failure."""
    from grader import zygote

    monkeypatch.setattr(zygote, "_SETUP_SECONDS", 2.0)
    worker = Worker([tensors])  # its zygote is forked now, with the short setup time
    making = worker._judgement

    def slow_judgement(*args):
        time.sleep(4.0)
        return making(*args)

    monkeypatch.setattr(worker, "_judgement", slow_judgement)
    try:
        result = _grade(worker, tensors, tensors.reference)
    finally:
        worker.close()
    assert result.status == "passed", _why(result)


def test_missing_file_is_an_error(worker, tensors, tmp_path):
    result = _grade(worker, tensors, tmp_path)
    assert result.status == "error" and result.points == 0
    assert result.status_message == "missing file: tensors.py"


def test_a_missing_file_names_what_stands_in_its_place(worker, tensors, tmp_path):
    # the job copies only the files the kata names: the learner is told why theirs was not graded
    (tmp_path / "tensors.ipynb").write_text("{}")  # another kind of file is no candidate
    (tmp_path / "Tensor.py").write_text("# misnamed\n")
    result = _grade(worker, tensors, tmp_path)
    assert result.status_message == "missing file: tensors.py (Tensor.py is there: rename it to tensors.py)"
    (tmp_path / "Tensor.py").rename(tmp_path / "mine.py")
    (tmp_path / "tensors.py").symlink_to(tmp_path / "mine.py")
    result = _grade(worker, tensors, tmp_path)
    assert result.status_message.startswith("missing file: tensors.py (a symbolic link is never graded")


def test_a_checks_outcome_is_told_by_the_exceptions_type_not_its_words(worker, tensors, make_submission):
    """Words a learner can write (a timeout's, an allocator's) make a failure; only the timer's own
    exception is a timeout, and only a memory error (or torch's allocator's RuntimeError) is oom."""
    folder = make_submission(
        textwrap.dedent("""
        import pytest
        def positive_mask(x):
            pytest.fail("Timeout (>4.0s) from pytest-timeout.")
        def to_labels(x):
            raise ValueError("CUDA out of memory: can't allocate memory")
        def join_batches(a, b):
            raise MemoryError()
        def add_channel_dim(images):
            raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 1 bytes")
    """)
    )
    outcomes = {c.id: c.outcome for c in _grade(worker, tensors, folder).checks}
    assert outcomes["test_positive_mask"] == "failed"
    assert outcomes["test_to_labels"] == "failed"
    assert outcomes["test_join_batches"] == "oom"
    assert outcomes["test_add_channel_dim"] == "oom"


@pytest.mark.slow
def test_endless_loop_in_one_function_fails_only_its_check(worker, tensors, make_submission):
    folder = make_submission("def positive_mask(x):\n    while True:\n        pass")
    result = _grade(worker, tensors, folder)
    outcomes = {c.id: c.outcome for c in result.checks}
    assert outcomes.pop("test_positive_mask") == "timeout"
    assert set(outcomes.values()) == {"passed"}
    mask_points = next(c.points for c in worker.expected(tensors) if c.id == "test_positive_mask")
    assert result.status == "failed" and result.points == _full(worker, tensors) - mask_points


@pytest.mark.slow
def test_hang_that_ignores_the_check_timer_is_killed_from_outside(worker, tensors, make_submission):
    folder = make_submission(
        textwrap.dedent("""
        import signal
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        signal.setitimer(signal.ITIMER_REAL, 0)
        def positive_mask(x):
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            while True:
                pass
    """)
    )
    result = _grade(worker, tensors, folder)
    assert result.status == "timeout"
    assert {c.outcome for c in result.checks if c.id == "test_positive_mask"} == {"timeout"}
    assert result.points < result.max_points


def test_fake_results_files_do_not_count(worker, tensors, make_submission):
    folder = make_submission(
        textwrap.dedent("""
        import json, os, tempfile
        fake = {"tests": [{"name": "all", "score": 100}], "score": 100}
        for where in (".", tempfile.gettempdir(), os.path.expanduser("~")):
            with open(os.path.join(where, "results.json"), "w") as out:
                json.dump(fake, out)
        def to_float_tensor(data):
            return None
    """)
    )
    result = _grade(worker, tensors, folder)
    assert result.status == "failed"
    assert {c.id for c in result.checks if c.outcome != "passed"} == {"test_to_float_tensor"}


def test_learner_file_line_is_in_the_message(worker, tensors, make_submission):
    folder = make_submission("def join_batches(a, b):\n    raise ValueError('boom')")
    result = _grade(worker, tensors, folder)
    failing = result.first_failure()
    assert failing.id == "test_join_batches"
    assert "ValueError: boom" in failing.message and "tensors.py:" in failing.message
    assert "grader/" not in failing.message


@pytest.mark.slow
def test_spawned_child_gives_the_same_results(tensors):
    forked = grade(tensors, tensors.reference, worker=Worker([tensors], spawn=False))
    spawned = grade(tensors, tensors.reference, worker=Worker([tensors], spawn=True))
    assert [(c.id, c.outcome, c.points) for c in spawned.checks] == [(c.id, c.outcome, c.points) for c in forked.checks]
    stub = grade(tensors, tensors.stub, worker=Worker([tensors], spawn=True))
    assert stub.points == 0 and stub.status == "failed"


def test_printed_output_is_kept_for_debugging_only(worker, tensors, make_submission):
    folder = make_submission('def positive_mask(x):\n    print("debug: got", tuple(x.shape))\n    return x > 1')
    result = _grade(worker, tensors, folder)
    assert "debug: got (2, 3)" in result.output
    assert {c.id for c in result.checks if c.outcome != "passed"} == {"test_positive_mask"}


def test_progress_hears_each_check_as_it_reports(worker, tensors):
    from grader.runner import grade_many

    heard = []
    [(_, result)] = grade_many(
        worker, [Job(tensors, tensors.reference)], lambda job, done, total, printed: heard.append((done, total))
    )
    total = len(result.checks)
    done = [d for d, _ in heard]  # records read together are heard together
    assert done == sorted(done) and done[-1] == total and {t for _, t in heard} == {total}


def test_progress_passes_on_the_last_line_the_learners_code_printed(worker, tensors, make_submission):
    from grader.runner import grade_many

    folder = make_submission(
        'def positive_mask(x):\n    print("epoch 1: loss 0.9")\n    print("epoch 2: loss 0.4\\n\\n")\n    return x > 0'
    )
    heard = []
    list(grade_many(worker, [Job(tensors, folder)], lambda job, done, total, printed: heard.append(printed)))
    assert "epoch 2: loss 0.4" in heard and all(p in ("", "epoch 1: loss 0.9", "epoch 2: loss 0.4") for p in heard)


def test_the_watch_takes_at_most_its_share_of_the_zygotes_time(tensors, tmp_path, monkeypatch):
    """However many jobs run (and however slow /proc is), the loop that starts jobs and reads their
    results spends at most `_WATCH_SHARE` of its time watching them (a simulated clock, and a watch
    round that costs 0.2 s)."""
    from types import SimpleNamespace

    from grader import procs, zygote
    from grader.jobs import Placement
    from grader.sandbox import Limits

    clock = [100.0]
    rounds = []

    def slow_scan():
        rounds.append(clock[0])
        clock[0] += 0.2
        return []

    monkeypatch.setattr(zygote, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    monkeypatch.setattr(procs, "scan", slow_scan)
    supervisor = zygote.Supervisor([tensors], parallel=1, spawn=False)
    run = SimpleNamespace(
        status=None,
        killed_for=None,
        last_watch=0.0,
        pid=os.getpid(),
        sockets=None,
        processes=procs.JobProcesses(-1, uid=None),
        job=SimpleNamespace(limits=Limits()),
        job_dir=SimpleNamespace(root=tmp_path),
        placement=Placement("cpu", None, None),
    )
    supervisor.running[run.pid] = run
    for _ in range(40):
        supervisor._watch()
        clock[0] += 0.05
    gaps = [b - a for a, b in zip(rounds, rounds[1:])]
    least = 0.2 / zygote._WATCH_SHARE  # one call of the loop (0.05 s) late at most
    assert len(gaps) >= 3 and all(least - 1e-9 <= gap <= least + 0.05 + 1e-9 for gap in gaps), gaps


def test_a_started_job_gets_its_inputs_before_ended_jobs_are_judged():
    """A started job's child sits idle until its inputs come; an ended job waiting to be judged holds
    up nobody. What was put off comes in the order it came, and before the zygote's end."""
    import queue
    from collections import deque

    from grader.errors import KataError

    worker = Worker.__new__(Worker)  # its message order alone: no zygote
    worker._inbox = queue.Queue()
    for message in [("outcome", 1, None), ("started", 2, "cpu"), ("error", 3, "x"), ("progress", 2, (1, ""))]:
        worker._inbox.put(message)
    later = deque()
    assert [worker._next_message(later)[:2] for _ in range(4)] == [
        ("started", 2),
        ("progress", 2),
        ("outcome", 1),
        ("error", 3),
    ]
    worker._inbox.put(("outcome", 4, None))
    worker._inbox.put(("gone", None, None))
    assert worker._next_message(later)[:2] == ("outcome", 4)
    with pytest.raises(KataError):
        worker._next_message(later)
