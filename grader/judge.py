"""The judge: a kata's verdict half of every check, run in the `kata` process, never near learner code.

A judged kata's `checks/` holds two files. `exercise_<kata>.py` runs in the sandboxed child: each
check there takes the learner's `solution` and this job's `inputs` and returns what the learner's
code did (observations.py). `test_<kata>.py` runs here: each check is a generator that makes the
inputs from `rng` (seeded per job and check from a secret drawn per session), yields them, receives
the observations, and asserts with `grader.expect`:

    @pytest.mark.points(2)
    def test_linear_forward(rng):
        '''linear_forward computes x · wᵀ + b
        linear_forward 计算 x · wᵀ + b'''
        x, w, b = torch.randn(4, 3, generator=rng), torch.randn(5, 3, generator=rng), torch.randn(5, generator=rng)
        seen = yield {"x": x, "w": w, "b": b}          # the child runs exercise_tensors.test_linear_forward
        expect.matches(seen, torch.nn.functional.linear(x, w, b), name="linear_forward(x, w, b)")

The child learns its inputs only when its job starts, and sends values, never verdicts: a check
passes here, on trusted code, only when the values are right for those inputs. Expected values are
made here after the child exists, so no child's memory holds its own job's answers.

A check's failure message is an AssertionError holding `both(en, zh)` (grader/bilingual.py), so the
learner reads it in their language; `kata verify` fails a kata whose messages lack one.

Judge fixtures, by parameter name: `rng` (a torch.Generator), `device` (the job's torch.device),
`kata_data` (the kata's data folder), `measured` (call it with a label, a value and its text to show
a figure, such as a test accuracy, in the scorecard, whether the check passes or not). What it cannot
do: judge code runs in this process with this process's rights; it is the pack author's code,
trusted as the checks always were.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import secrets
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import GeneratorType
from typing import Any, Callable

import pytest
import torch

from grader.bilingual import Bilingual, Text, both, in_language
from grader.catalog import Kata
from grader.channel import CheckReport, Outcome, clip
from grader.errors import KataError
from grader.i18n import translate
from grader.launch import JUDGE_MODULE_PREFIX, SEED_VARIABLE
from grader.observations import ObservationError, Raised, decode

JUDGE_FIXTURES = ("rng", "device", "kata_data", "measured")


def _session_seed() -> int | None:
    """An instructor's own secret seed (KATA_SEED), for inputs that a rerun or another machine
    repeats; else None, and every session draws its own."""
    text = os.environ.get(SEED_VARIABLE, "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise KataError(f"{SEED_VARIABLE}={text[:40]!r}: a seed is a whole number") from None


FIXED_SEED = _session_seed()
SESSION_SEED = secrets.randbits(63) if FIXED_SEED is None else FIXED_SEED  # children never see it


class CheckBug(Exception):
    """The judge half of a check broke before it saw any observation: the kata is wrong, not the learner."""


@dataclass(frozen=True)
class JudgeCheck:
    id: str
    function: Callable[..., GeneratorType]
    points: float
    title: str
    title_zh: str
    marks: frozenset[str]  # names of its pytest marks (cpu_only, accelerator_only, ...)


def _titles(function: Callable) -> tuple[str, str]:
    lines = [line.strip() for line in (function.__doc__ or "").strip().splitlines() if line.strip()]
    english = lines[0] if lines else function.__name__
    return english, lines[1] if len(lines) > 1 else english


def _import(path: Path, kata: Kata) -> Any:
    # a name of its own per pack and kata: two packs' test_tensors.py never share a module
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    name = f"{JUDGE_MODULE_PREFIX}{kata.id.replace('-', '_')}_{path.stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        with warnings.catch_warnings():  # points, cpu_only and accelerator_only are ours, not unknown
            warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
            spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - any error in a check file is the kata's
        sys.modules.pop(name, None)
        raise KataError(f"{path}: the checks failed to load: {type(exc).__name__}: {exc}") from None
    return module


def load_checks(kata: Kata) -> list[JudgeCheck]:
    """The judge halves of a judged kata's checks, in file and definition order."""
    checks = []
    for path in sorted(kata.checks.glob("test_*.py")):
        module = _import(path, kata)
        for name, function in vars(module).items():
            if not (name.startswith("test_") and inspect.isfunction(function)):
                continue
            if not inspect.isgeneratorfunction(function):
                raise KataError(f"{path}: {name} must yield the inputs for its exercise (seen = yield inputs)")
            unknown = set(inspect.signature(function).parameters) - set(JUDGE_FIXTURES)
            if unknown:
                raise KataError(
                    f"{path}: {name} asks for {', '.join(sorted(unknown))}; a judge may use {', '.join(JUDGE_FIXTURES)}"
                )
            marks = getattr(function, "pytestmark", [])
            points = next((float(m.args[0]) for m in marks if m.name == "points"), 1.0)
            title, title_zh = _titles(function)
            checks.append(JudgeCheck(name, function, points, title, title_zh, frozenset(m.name for m in marks)))
    return checks


class Measured:
    """The figures one check measured (an accuracy, a loss), in the order it gave them."""

    def __init__(self) -> None:
        self.figures: list[dict] = []

    def __call__(self, label: Bilingual, value: float, text: str) -> None:
        """`label` names the figure in both languages; `text` is how to show `value` ("94.2%")."""
        self.figures.append({"en": label.en, "zh": label.zh, "value": float(value), "text": text})


def check_seed(session_seed: int, job_key: str, check_id: str) -> int:
    digest = hashlib.blake2b(f"{session_seed}:{job_key}:{check_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


class Judgement:
    """One job on the judge's side: each check's inputs, then its verdict from the child's observation."""

    def __init__(
        self,
        checks: list[JudgeCheck],
        job_key: str,
        device: str,
        data_dir: Path | None,
        session_seed: int = SESSION_SEED,
    ):
        self.inputs: dict[str, Any] = {}
        self.pending: dict[str, GeneratorType] = {}
        self.measured: dict[str, Measured] = {}
        for check in checks:
            self.measured[check.id] = Measured()
            fixtures = {
                "rng": torch.Generator().manual_seed(check_seed(session_seed, job_key, check.id)),
                "device": torch.device(device),
                "kata_data": data_dir,
                "measured": self.measured[check.id],
            }
            wanted = inspect.signature(check.function).parameters
            generator = check.function(**{name: fixtures[name] for name in wanted})
            try:
                self.inputs[check.id] = next(generator)
            except StopIteration:
                raise CheckBug(f"{check.id} never yields its inputs") from None
            except Exception as exc:  # noqa: BLE001 - the judge's own code, before any learner value
                raise CheckBug(f"{check.id} failed while making its inputs: {type(exc).__name__}: {exc}") from exc
            self.pending[check.id] = generator

    def verdict(self, check_id: str, data: Any, duration: float) -> CheckReport:
        """Passed only when the judge's assertions hold for what the child observed."""
        generator = self.pending.pop(check_id)

        def report(outcome: Outcome, message: Text = "") -> CheckReport:
            english, chinese = (clip(in_language(message, lang)) for lang in ("en", "zh"))
            figures = tuple(self.measured[check_id].figures)
            return CheckReport(check_id, outcome, english, duration, chinese if chinese != english else "", figures)

        try:
            value = decode(data)
        except ObservationError as exc:
            generator.close()
            return report(
                Outcome.FAILED,
                both(
                    f"the results of this check are malformed ({exc})",
                    f"这项检查的结果格式错误（{translate(str(exc), 'zh')}）",
                ),
            )
        try:
            generator.send(value)
        except StopIteration:
            return report(Outcome.PASSED)
        except AssertionError as exc:
            return report(Outcome.FAILED, _assertion_text(exc))
        except Exception as exc:  # noqa: BLE001 - values the check did not expect (a learner's odd return)
            return report(Outcome.FAILED, _unexpected(value, exc))
        generator.close()
        raise CheckBug(f"{check_id} yields more than once; a judge gets one set of observations")

    def close(self) -> None:
        for generator in self.pending.values():
            generator.close()
        self.pending.clear()


def _assertion_text(exc: AssertionError) -> Text:
    """The check's message: bilingual as its author wrote it, or plain text (one language only)."""
    if len(exc.args) == 1 and isinstance(exc.args[0], Bilingual):
        return exc.args[0]
    return str(exc) or both("the check's assertion failed (it gives no message)", "检查的断言未通过（它没有给出说明）")


def _unexpected(value: Any, exc: Exception) -> Bilingual:
    if isinstance(value, Raised):
        return both("your code raised {error}", "你的代码抛出了 {error}").format(error=value.describe())
    error = f"{type(exc).__name__}: {exc}"
    return both(
        f"the check could not use what your code returned ({error})", f"检查无法使用你的代码返回的值（{error}）"
    )
