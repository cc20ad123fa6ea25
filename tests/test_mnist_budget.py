"""mnist's CPU budget: the exercise half stops run() once it has used the budget the judge sent, and
the judge says so in both languages, with the test accuracy it measured in the scorecard."""

from __future__ import annotations

import importlib.util
import signal
import time
from types import SimpleNamespace

import pytest
import torch

from grader.bilingual import untranslated
from grader.catalog import Catalog
from grader.channel import Outcome
from grader.judge import Judgement, load_checks
from grader.observations import encode

BUDGET = 0.5  # seconds of CPU time: a spinning run() is stopped after about this much


@pytest.fixture(scope="module")
def kata():
    return Catalog.load().get("mnist")


@pytest.fixture(scope="module")
def exercise(kata):
    spec = importlib.util.spec_from_file_location("exercise_mnist_budget", kata.checks / "exercise_mnist.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _spin(*args, **kwargs):
    """A run() that never ends and swallows every Exception, as a learner's retry loop might."""
    while True:
        try:
            sum(range(10_000))
        except Exception:  # noqa: BLE001, S112 - what the stop must get through
            continue


def _run(exercise, solution, tmp_path_factory):
    inputs = {"root": "unused", "seed": 0, "cpu_budget": BUDGET}
    return exercise._run_once(solution, inputs, tmp_path_factory)


@pytest.mark.timeout(60)  # without the stop, _spin never ends
def test_a_run_past_its_budget_is_stopped_there(exercise, tmp_path_factory):
    previous = signal.getsignal(signal.SIGPROF)
    solution = SimpleNamespace(run=_spin, build_model=lambda: None)
    start = time.process_time()
    run = _run(exercise, solution, tmp_path_factory)
    assert run["stopped"] and run["accuracy"] is None
    # the kernel's CPU timer counts in ticks: it may fire a little before process_time reads the budget
    assert 0.9 * BUDGET <= run["cpu"] < BUDGET + 1.5 and time.process_time() - start < BUDGET + 1.5
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)  # the timer is off afterwards
    assert signal.getsignal(signal.SIGPROF) == previous


def test_a_run_within_its_budget_keeps_its_result(exercise, tmp_path_factory):
    solution = SimpleNamespace(run=lambda root, path, seed: 0.5, build_model=lambda: None)
    run = _run(exercise, solution, tmp_path_factory)
    assert not run["stopped"] and run["accuracy"] == 0.5 and run["cpu"] < BUDGET
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def _verdict(kata, observation):
    """test_run_accuracy's report for what a child observed."""
    checks = [check for check in load_checks(kata) if check.id == "test_run_accuracy"]
    judgement = Judgement(checks, "job", "cpu", None)
    inputs = judgement.inputs["test_run_accuracy"]
    assert inputs["cpu_budget"] == 60.0  # the budget reaches the child as an input
    report = judgement.verdict("test_run_accuracy", encode(observation(len(inputs["pixels"]))), 1.0)
    assert report.outcome is Outcome.FAILED and untranslated(report.message_zh) == []
    return report


def test_the_judge_says_a_stopped_run_used_up_its_budget(kata):
    report = _verdict(
        kata,
        lambda n: {
            "stopped": True,
            "cpu": 60.2,
            "training_images": 48_000,
            "accuracy": None,
            "built": 1,
            "predictions": torch.zeros(n, dtype=torch.int64),
        },
    )
    assert "used up its CPU budget of 60 s" in report.message and "about 12.0 epochs" in report.message
    assert "60 秒" in report.message_zh and "约 12.0 轮" in report.message_zh
    (figure,) = report.figures
    assert figure["en"] == "test accuracy when stopped" and 0.0 < figure["value"] < 0.2


def test_the_judge_shows_the_accuracy_of_a_run_that_finished(kata):
    report = _verdict(
        kata,
        lambda n: {
            "stopped": False,
            "cpu": 3.0,
            "training_images": 40_000,
            "accuracy": 0.1,
            "built": 1,
            "predictions": torch.zeros(n, dtype=torch.int64),
            "untrained": torch.zeros(n, dtype=torch.int64),  # a fresh build_model() guesses
        },
    )
    assert "at least 0.88 is expected" in report.message and "至少需要 0.88" in report.message_zh
    (figure,) = report.figures
    assert (figure["en"], figure["zh"]) == ("test accuracy", "测试准确率")
    assert figure["text"] == f"{figure['value']:.1%}"
