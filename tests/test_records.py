"""Records from the grading child are validated in the parent, and only the parent decides skips.

The channel turns bytes into typed events and flags every broken rule; `build_result` decides on
those types alone. A record a child should not have sent voids the job (`error`, "malformed
result: ..."), never raises; a skip the parent did not allow fails its check and keeps its points in
the maximum; a batch with such a learner still grades and exports everyone after it.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
import torch

from grader import batch, sandbox
from grader.channel import (
    MAX_JSON_VALUES,
    MAX_LINE_BYTES,
    MAX_OBSERVED_BYTES,
    MAX_RECORDS,
    MAX_VALUE_DEPTH,
    MESSAGE_CHARS,
    CheckReport,
    Done,
    LoadError,
    Malformed,
    Observed,
    Outcome,
    ParentChannel,
    Started,
)
from grader.gradebook import Gradebook, Key
from grader.observations import ObservationError, decode
from grader.runner import SKIPPED_BY_SUBMISSION, GraderFailure, build_result, grade
from grader.sandbox import Limits
from grader.worker import ExpectedCheck, Job, JobOutcome

ADVERSARIAL = Path(__file__).resolve().parent / "adversarial"


# --- the channel: bytes in, typed events out ---------------------------------------------------


@pytest.fixture
def channel():
    return ParentChannel()


def _line(record: dict, **dumps) -> bytes:
    return (json.dumps(record, **dumps) + "\n").encode()


def _check(check_id: str = "test_a", **fields) -> dict:
    return {"type": "check", "id": check_id, "outcome": "failed", "message": "", "duration": 0.25, **fields}


def _observed(check_id: str = "test_a", value: object = ("int", "3")) -> dict:
    return {"type": "observed", "id": check_id, "value": list(value), "duration": 0.25}


def test_valid_records_become_typed_events(channel):
    channel.feed(_line({"type": "load_error", "message": "a.py has a syntax error", "timeout": False}))
    channel.feed(_line(_check(message="expected 3, got 4")))
    channel.feed(_line(_observed("test_b")))
    channel.feed(_line({"type": "done"}))
    assert channel.records == [
        LoadError("a.py has a syntax error", False),
        CheckReport("test_a", Outcome.FAILED, "expected 3, got 4", 0.25),
        Observed("test_b", ["int", "3"], 0.25),
        Done(),
    ]


def test_a_record_split_across_reads_is_one_record(channel):
    data = _line(_check())
    for i in range(0, len(data), 7):
        channel.feed(data[i : i + 7])
    assert channel.records == [CheckReport("test_a", Outcome.FAILED, "", 0.25)]


def test_a_child_cannot_report_a_pass(channel):
    channel.feed(_line(_check(outcome="passed")))
    assert channel.records == [Malformed("a check reported as passed by the child (only the judge passes a check)")]


MALFORMED = {
    "not UTF-8": lambda: _line(_check(message="é")).replace("\\u00e9".encode(), b"\xff"),
    "UTF-16": lambda: json.dumps(_check()).encode("utf-16") + b"\n",
    "not JSON": lambda: b"checks/test_tensors.py::test_a PASSED\n",
    "NaN duration": lambda: _line(_check(duration=math.nan)),
    "Infinity duration": lambda: _line(_check(duration=math.inf)),
    "negative duration": lambda: _line(_check(duration=-1.0)),
    "huge int duration": lambda: _line(_check(duration=10**400)),
    "text duration": lambda: _line(_check(duration="0.1")),
    "bool duration": lambda: _line(_check(duration=True)),
    "lone surrogate": lambda: _line(_check(message="\ud800")),
    "surrogate in id": lambda: _line(_check("test_\udcff")),
    "message too long": lambda: _line(_check(message="x" * (MESSAGE_CHARS + 1))),
    "message not text": lambda: _line(_check(message=["a"])),
    "unknown outcome": lambda: _line(_check(outcome="passed-ish")),
    "missing field": lambda: _line({"type": "check", "id": "test_a", "outcome": "failed"}),
    "extra field": lambda: _line(_check(points=100)),
    "observed value not a list": lambda: _line({**_observed(), "value": {"passed": True}}),
    "observed with a verdict": lambda: _line({**_observed(), "outcome": "passed"}),
    "unknown type": lambda: _line({"type": "grade", "score": 100}),
    "a tamper record": lambda: _line({"type": "tamper", "message": "x"}),
    "no type": lambda: _line({"message": "hello"}),
    "not an object": lambda: b"[1, 2, 3]\n",
    "deep nesting": lambda: b"[" * 200_000 + b"]" * 200_000 + b"\n",
    "line over the limit": lambda: b"x" * (MAX_LINE_BYTES + 10),
    "load_error timeout not bool": lambda: _line({"type": "load_error", "message": "m", "timeout": "yes"}),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_line_is_flagged_never_raised(channel, case):
    channel.feed(MALFORMED[case]())
    assert len(channel.records) == 1 and isinstance(channel.records[0], Malformed), channel.records
    assert "\ud800" not in channel.records[0].what and "\udcff" not in channel.records[0].what


def test_anything_after_done_is_malformed(channel):
    channel.feed(_line({"type": "done"}) + _line(_check()))
    assert channel.records == [Done(), Malformed("a record after the end of the job")]


def test_a_flood_of_bad_lines_keeps_one_event(channel):
    channel.feed(_line(_check()))
    channel.feed(b"garbage\n" * 10_000 + _line(_check(outcome="passed")) * 10_000)
    assert channel.records[1:] == [Malformed("a line that is not JSON (or holds NaN or Infinity)")]


def test_a_flood_of_valid_records_is_capped(channel):
    channel.feed(_line(_observed()) * (MAX_RECORDS + 10) + _line({"type": "done"}))
    assert len(channel.records) == MAX_RECORDS + 1
    assert channel.records[-1] == Malformed(f"more than {MAX_RECORDS} records")


def test_reports_count_the_checks_that_reported(channel):
    channel.feed(_line(_check("test_a")) + _line(_observed("test_b")))
    channel.feed(_line({"type": "load_error", "message": "boom", "timeout": False}))
    assert channel.reports == 2


class _CountingBuffer(bytearray):
    """A bytearray that adds up how many bytes `find` was asked to search."""

    searched = 0

    def find(self, sub, start=0, *args):
        _CountingBuffer.searched += len(self) - start
        return super().find(sub, start, *args)


def test_a_long_line_in_small_reads_is_searched_once(channel):
    """Each read's bytes are searched once, not the whole unfinished line again on every read."""
    channel._pending = _CountingBuffer()
    record = _line(_observed(value=("str", "x" * 4_000_000)))
    for start in range(0, len(record), 65536):
        channel.feed(record[start : start + 65536])
    assert channel.records == [Observed("test_a", ["str", "x" * 4_000_000], 0.25)]
    assert _CountingBuffer.searched <= 2 * len(record)


def test_the_start_record_is_typed_and_said_once(channel):
    channel.feed(_line({"type": "started"}) + _line(_check()))
    assert channel.records[0] == Started()
    channel.feed(_line({"type": "started"}))
    assert channel.records[-1] == Malformed("a second start record")


def test_a_report_for_a_check_the_job_does_not_have_is_malformed_at_once():
    channel = ParentChannel(frozenset({"test_a", "test_b"}))
    channel.feed(_line(_observed("test_a")) + _line(_check("test_b")) + _line(_observed("test_c")))
    assert channel.records[-1] == Malformed("a result for a check that does not exist")


def test_a_second_report_for_one_check_is_malformed_at_once():
    """So a child cannot pile up records for the zygote to hold, one per check at most."""
    channel = ParentChannel(frozenset({"test_a", "test_b"}))
    channel.feed(_line(_observed("test_a")) + _line(_check("test_a")) + _line(_observed("test_b")))
    assert channel.records == [Observed("test_a", ["int", "3"], 0.25), Malformed("test_a was reported twice")]


def test_observations_past_the_jobs_budget_void_it():
    """The zygote and the `kata` process hold observations outside the job's memory limit: capped."""
    channel = ParentChannel()
    record = _line(_observed(value=("str", "x" * (MAX_OBSERVED_BYTES // 4))))
    for _ in range(4):
        channel.feed(record)
    assert len(channel.records) == 4
    assert channel.records[-1] == Malformed(f"more than {MAX_OBSERVED_BYTES // 2**20} MiB of observations")


def _nested(depth: int) -> list:
    value: list = ["none", None]
    for _ in range(depth // 2):
        value = ["list", [value]]
    return value


def test_observations_nested_past_the_bound_are_malformed_before_anything_pickles_them():
    """The zygote sends records on as a pickle, which fails near 500 levels (it stopped the zygote)."""
    channel = ParentChannel()
    channel.feed(_line(_observed(value=_nested(MAX_VALUE_DEPTH - 2))))
    assert isinstance(channel.records[-1], Observed)
    channel = ParentChannel()
    channel.feed(b'{"type": "observed", "id": "t", "value": ' + b"[" * 600 + b"]" * 600 + b', "duration": 0}\n')
    assert channel.records == [Malformed(f"observations nested more than {MAX_VALUE_DEPTH} deep, or holding an object")]


def test_an_object_inside_observations_is_malformed():
    """The encoder never makes one; objects nested in each other would dodge the depth bound."""
    channel = ParentChannel()
    channel.feed(_line(_observed(value=("str", {"a": {"a": {}}}))))
    assert isinstance(channel.records[0], Malformed)


def test_values_past_the_jobs_budget_void_it_before_they_are_parsed():
    """90 MB of empty lists took 3.9 GB of the zygote: values are counted in the bytes, then parsed."""
    channel = ParentChannel()
    lists = MAX_JSON_VALUES // 4  # "[]," counts twice: a value may start after "[" and after ","
    half = b'{"type": "observed", "id": "t", "value": [' + b"[]," * lists + b'[]], "duration": 0}\n'
    channel.feed(half)
    assert isinstance(channel.records[0], Observed)
    channel.feed(half.replace(b'"t"', b'"u"'))
    assert channel.records[-1] == Malformed(f"more than {MAX_JSON_VALUES} values in the job's records")


def test_values_are_counted_in_one_linear_pass_whatever_the_strings_hold():
    """Skipping strings with a pattern took 21 s for 80 KB of escaped quotes (quadratic), in the
    zygote that watches every job; counting `[{,:` everywhere is one pass in C."""
    import time

    channel = ParentChannel()
    started = time.perf_counter()
    channel.feed(b"," * (MAX_JSON_VALUES + 1) + b'"' + b'\\"' * 1_000_000 + b"\n")
    assert time.perf_counter() - started < 2
    assert channel.records == [Malformed(f"more than {MAX_JSON_VALUES} values in the job's records")]


def test_a_checks_largest_honest_observations_stay_far_below_the_value_bound():
    """Text full of commas counts them all: the largest any built-in reference sends is ~10,000 values
    a job; 100 strings of 10,000 commas each still pass."""
    channel = ParentChannel()
    text = "," * 10_000
    channel.feed(_line(_observed(value=("list", [["str", text]] * 100))))
    assert isinstance(channel.records[0], Observed)


@pytest.mark.parametrize(
    "key",
    [["list", []], ["dict", []], ["ndarray", ["int8", [1], "AA=="]], ["tuple", [["int", "1"], ["list", []]]]],
    ids=["list", "dict", "array", "nested"],
)
def test_a_dict_key_python_cannot_hash_is_malformed_not_a_crash(key):
    with pytest.raises(ObservationError, match="cannot be a key"):
        decode(["dict", [[["tuple", [key]], ["none", None]]]])


@pytest.mark.parametrize("kind", ["tensor", "ndarray"])
def test_a_bool_holding_another_byte_is_malformed(kind):
    """torch reads such a byte one way and another: it printed True while .all() said False."""
    import base64

    raw = base64.b64encode(bytes([1, 2, 0, 1])).decode()
    payload = ["bool", [4], "cpu", False, raw] if kind == "tensor" else ["bool", [4], raw]
    with pytest.raises(ObservationError, match="other than 0 and 1"):
        decode([kind, payload])
    honest = base64.b64encode(bytes([1, 0, 0, 1])).decode()
    payload = ["bool", [4], "cpu", False, honest] if kind == "tensor" else ["bool", [4], honest]
    assert decode([kind, payload]).tolist() == [True, False, False, True]


def test_a_meta_tensor_arrives_as_zeros_not_as_the_judges_old_memory():
    for _ in range(20):
        garbage = torch.full((4096,), 7.0)
        del garbage
        seen = decode(["tensor", ["float32", [4096], "meta", False, ""]])
        assert not seen.any()


def test_a_job_that_never_started_is_the_graders_failure_not_the_learners(tensors):
    """No learner code ran before the start record: whatever ended the job, the learner did not."""
    job = Job(tensors, Path("."), "cpu", Limits(memory_mb=300))
    said = b"grading child failed: OverflowError: cannot convert float infinity to integer\n"
    for killed_for, output, reason in (
        (None, said, "OverflowError: cannot convert float infinity to integer"),
        ("oom", b"", "memory limit of 300 MB is too small for the grader itself"),
    ):
        outcome = JobOutcome(job, [], 70, None, killed_for, output, 0.5)
        with pytest.raises(GraderFailure, match=reason):
            build_result(tensors, EXPECTED, outcome)


# --- build_result: decisions on typed events ------------------------------------------------------


EXPECTED = [
    ExpectedCheck("test_a", "check a", "检查 a", 2.0),
    ExpectedCheck("test_b", "check b", "检查 b", 1.0),
    ExpectedCheck("test_cpu", "on the CPU only", "仅 CPU", 3.0, frozenset({"cpu"})),
]


def _outcome(tensors, events: list, device: str = "cpu", output: bytes = b"") -> JobOutcome:
    job = Job(tensors, Path("."), device, Limits())
    records = [Started(), *events]  # the child was set up: what follows is the learner's code
    return JobOutcome(job=job, records=records, exit_code=0, signal=None, killed_for=None, output=output, duration=0.5)


def _passed(check_id: str) -> CheckReport:
    return CheckReport(check_id, Outcome.PASSED, "", 0.1)


def test_all_passed(tensors):
    events = [_passed("test_a"), _passed("test_b"), _passed("test_cpu"), Done()]
    result = build_result(tensors, EXPECTED, _outcome(tensors, events), {"no network": True})
    assert result.status == "passed" and result.points == result.max_points == 6
    assert result.protections == {"no network": True}


def test_a_skip_by_the_submission_fails_and_keeps_its_points_in_the_maximum(tensors):
    events = [
        CheckReport("test_a", Outcome.SKIPPED, "nothing to see", 0.1),
        _passed("test_b"),
        _passed("test_cpu"),
        Done(),
    ]
    result = build_result(tensors, EXPECTED, _outcome(tensors, events))
    check = result.checks[0]
    assert check.outcome == "failed" and check.points == 0 and check.max_points == 2
    assert check.message.startswith(SKIPPED_BY_SUBMISSION)
    assert result.status == "failed" and result.points == 4 and result.max_points == 6


def test_a_cpu_only_check_on_an_accelerator_is_skipped_by_the_parent(tensors):
    # whatever the child said about it: here it even claims a pass
    events = [_passed("test_a"), _passed("test_b"), _passed("test_cpu"), Done()]
    result = build_result(tensors, EXPECTED, _outcome(tensors, events, device="cuda:0"))
    check = result.checks[2]
    assert check.outcome == "skipped" and check.points == check.max_points == 0
    assert "only runs on the CPU" in check.message
    assert result.status == "passed" and result.points == result.max_points == 3


def test_a_cpu_only_skip_is_not_allowed_on_the_cpu(tensors):
    events = [_passed("test_a"), _passed("test_b"), CheckReport("test_cpu", Outcome.SKIPPED, "", 0.1), Done()]
    result = build_result(tensors, EXPECTED, _outcome(tensors, events))
    assert result.checks[2].outcome == "failed" and result.checks[2].max_points == 3
    assert result.checks[2].message == SKIPPED_BY_SUBMISSION


def _channel_events(lines: list[bytes]) -> list:
    channel = ParentChannel()
    for line in lines:
        channel.feed(line)
    return channel.records


def _assert_void(result, what: str) -> None:
    assert result.status == "error" and result.points == 0, result.status_message
    assert result.status_message.startswith("malformed result: ") and what in result.status_message
    assert all(c.outcome == "error" and c.points == 0 for c in result.checks)
    assert result.max_points == 6


@pytest.mark.parametrize(
    "bad, what",
    [
        (_line(_check("test_a", message="\ud800")), "lone surrogate"),
        (_line(_check("test_a", duration=math.nan)), "NaN"),
    ],
)
def test_an_invalid_record_from_bytes_voids_the_job(tensors, tmp_path, bad, what):
    events = _channel_events([bad, _line(_check("test_b")), _line(_check("test_cpu")), _line({"type": "done"})])
    result = build_result(tensors, EXPECTED, _outcome(tensors, events))
    _assert_void(result, what)
    book = Gradebook(tmp_path / "gradebook.sqlite")  # and it stores, as every later batch must
    try:
        key = Key("learner", tensors.id, "hash", tensors.version)
        book.put(key, result)
        assert book.get(key) == result
    finally:
        book.close()


def test_an_unknown_check_id_voids_the_job(tensors):
    events = [_passed("test_a"), _passed("test_b"), _passed("test_cpu"), _passed("test_made_up"), Done()]
    _assert_void(build_result(tensors, EXPECTED, _outcome(tensors, events)), "does not exist")


def test_a_check_reported_twice_voids_the_job(tensors):
    events = [
        CheckReport("test_a", Outcome.FAILED, "no", 0.1),
        _passed("test_b"),
        _passed("test_a"),
        _passed("test_cpu"),
        Done(),
    ]
    _assert_void(build_result(tensors, EXPECTED, _outcome(tensors, events)), "test_a was reported twice")


def test_the_first_problem_names_the_job_status(tensors):
    events = [Malformed("a line that is not JSON"), Malformed("a record after the end of the job"), Done()]
    result = build_result(tensors, EXPECTED, _outcome(tensors, events))
    assert (
        result.status == "error"
        and result.status_message == "malformed result: a line that is not JSON; no points awarded"
    )
    assert all(c.points == 0 for c in result.checks)


def test_learner_text_is_made_safe_where_results_are_built(tensors):
    # the channel never lets a surrogate through, but runner does not rely on that
    events = [
        CheckReport("test_a", Outcome.FAILED, "\x1b[2J\u202eevil\ud800", 0.1),
        _passed("test_b"),
        _passed("test_cpu"),
        LoadError("a.py:\x00\x07", False),
        Done(),
    ]
    result = build_result(tensors, EXPECTED, _outcome(tensors, events, output=b"\x1b[31m\xff\xfe\x00ok\r\n"))
    text = result.checks[0].message + result.status_message + result.output
    assert not any(ch in text for ch in "\x1b\u202e\ud800\x00\x07\r")
    assert "evil" in result.checks[0].message and "ok" in result.output


# --- end to end: real children --------------------------------------------------------------------


def test_a_submission_that_skips_in_every_function_scores_zero_of_the_full_maximum(worker, tensors, make_submission):
    folder = make_submission(source=(ADVERSARIAL / "skip_in_checks.py").read_text())
    result = grade(tensors, folder, worker=worker)
    full = sum(c.points for c in worker.expected(tensors))
    assert result.status == "failed" and result.points == 0 and result.max_points == full
    assert all(c.outcome == "failed" and c.message.startswith(SKIPPED_BY_SUBMISSION) for c in result.checks)


def test_a_forged_record_with_a_surrogate_is_a_malformed_result(worker, tensors, make_submission):
    folder = make_submission(source=(ADVERSARIAL / "malformed_record.py").read_text())
    result = grade(tensors, folder, worker=worker)
    assert result.status == "error" and result.points == 0
    assert result.status_message.startswith("malformed result: check.message is not valid UTF-8 text")


def test_an_observation_the_judge_cannot_decode_fails_its_check_never_the_grader(worker, tensors, make_submission):
    folder = make_submission((ADVERSARIAL / "unhashable_key.py").read_text())
    result = grade(tensors, folder, worker=worker)
    assert result.status == "failed" and result.points == 0, result.status_message
    assert all("cannot be a key" in c.message for c in result.checks if c.max_points), result.checks


def test_a_flood_of_observations_voids_the_job_before_the_grader_holds_it(worker, tensors, make_submission):
    folder = make_submission((ADVERSARIAL / "observation_flood.py").read_text())
    result = grade(tensors, folder, worker=worker)
    assert result.status == "error" and result.points == 0
    assert result.status_message.startswith("malformed result: more than 128 MiB of observations")


def test_deeply_nested_observations_void_the_job_and_the_zygote_grades_on(worker, tensors, make_submission):
    """They stopped the zygote (pickle's recursion limit), and every classmate's grading with it."""
    folder = make_submission((ADVERSARIAL / "deep_observation.py").read_text(), name="deep")
    result = grade(tensors, folder, worker=worker)
    assert result.status == "error" and result.points == 0
    assert result.status_message.startswith("malformed result: observations nested more than")
    honest = grade(tensors, make_submission(name="honest"), worker=worker)
    assert honest.status == "passed", honest.status_message


def test_a_flood_of_json_values_voids_the_job_before_the_zygote_parses_it(worker, tensors, make_submission):
    folder = make_submission((ADVERSARIAL / "value_flood.py").read_text())
    result = grade(tensors, folder, worker=worker)
    assert result.status == "error" and result.points == 0
    assert result.status_message.startswith(f"malformed result: more than {MAX_JSON_VALUES} values")


def test_hostile_messages_and_output_fail_normally_with_safe_text(worker, tensors, make_submission):
    folder = make_submission(source=(ADVERSARIAL / "malformed_messages.py").read_text())
    result = grade(tensors, folder, worker=worker)
    assert result.status == "failed" and result.points == 0, result.status_message
    messages = "".join(c.message for c in result.checks)
    assert "evil" in messages and "cannot be shown as text" in messages
    assert max(len(c.message) for c in result.checks) <= MESSAGE_CHARS
    assert not any(ch in messages + result.output for ch in "\ud800\udcff\x00\x1b\u202e")


@pytest.mark.slow
def test_a_malformed_learner_does_not_stop_the_batch(worker, tensors, tmp_path):
    submissions = tmp_path / "class"
    sources = {
        "a-malformed": (ADVERSARIAL / "malformed_record.py").read_bytes(),
        "b-messages": (ADVERSARIAL / "malformed_messages.py").read_bytes(),
        "c-skipper": (ADVERSARIAL / "skip_in_checks.py").read_bytes(),
        "d-honest": (tensors.reference / "tensors.py").read_bytes(),
    }
    for learner, source in sources.items():
        (submissions / learner / "tensors").mkdir(parents=True)
        (submissions / learner / "tensors" / "tensors.py").write_bytes(source)
    out = tmp_path / "out"
    said = io.StringIO()
    summary = batch.run(
        submissions, out, [tensors], workers=2, device="cpu", limits=Limits(), shard=batch.Shard(0, 1), stream=said
    )
    assert summary.graded == 4
    assert "note: the built-in katas are public" in said.getvalue()  # and where a private pack is
    with open(out / "grades.csv", newline="", encoding="utf-8") as file:
        grades = {row["learner"]: row for row in csv.DictReader(file) if row["learner"] != "(max points)"}
    full = f"{sum(c.points for c in worker.expected(tensors)):g}"
    assert {name: (row["tensors"], row["max_total"], row["status"]) for name, row in grades.items()} == {
        "a-malformed": ("0", full, "incomplete; tensors: error"),
        "b-messages": ("0", full, "incomplete"),
        "c-skipper": ("0", full, "incomplete"),
        "d-honest": (full, full, "complete"),
    }
    graded = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    assert all(k["protections"] == sandbox.protections() for lr in graded["learners"] for k in lr["katas"])
    assert "Sandbox protections" in (out / "report.html").read_text(encoding="utf-8")
    for name in (
        "checks.csv",
        "junit.xml",
        "feedback/a-malformed.md",
        "feedback/d-honest.md",
        "prairielearn_scores.csv",
        "report.html",
    ):
        assert (out / name).is_file(), name
