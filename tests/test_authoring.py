"""What a kata author gets wrong that grading would accept silently or stop at with a traceback:
inputs that do not change with the seed, a judge that yields twice, an exercise half that decides, a
private kata named like a built-in one. `kata verify` names each of them."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from grader import runner
from grader.catalog import Catalog, Kata, builtin_roots
from grader.errors import KataError
from grader.authoring import (
    builtin_clash_problems,
    check_limits,
    exercise_problems,
    fixed_input_problems,
    judge_import_problems,
    marker_problems,
    message_problems,
    patch_problems,
    slow_problems,
    stub_problems,
    yield_problems,
)
from grader.verify import verify

BUILTIN = Catalog.load().katas

JUDGE = '''
import torch

from grader.bilingual import both


def test_double(rng):
    """Doubles a tensor
    张量加倍"""
    x = {inputs}
    got = yield x
    assert torch.equal(got, x * 2), both("double(x) should equal x * 2", "double(x) 应等于 x * 2")
'''

EXERCISE = """
from grader.exercise import attempt


def test_double(solution, inputs):
    return attempt(solution.double, inputs)
"""


def _pack(
    root: Path, folder: str = "01-tiny", files: str = "tiny.py", inputs: str = "torch.randn(5, generator=rng)"
) -> Kata:
    """A one-check kata pack in `root`: katas/<folder>/ and reference/<folder>/."""
    kata = root / "katas" / folder
    for part in ("stub", "checks"):
        (kata / part).mkdir(parents=True)
    (root / "reference" / folder).mkdir(parents=True)
    (kata / "kata.toml").write_text(
        f'files = ["{files}"]\n[title]\nen = "Tiny"\nzh = "小"\n[summary]\nen = "Tiny"\nzh = "小"\n'
        '[hints]\nen = ["Double it."]\nzh = ["加倍。"]\n',
        encoding="utf-8",
    )
    (kata / "README.md").write_text("Double a tensor.\n", encoding="utf-8")
    (kata / "README.zh.md").write_text("张量加倍。\n", encoding="utf-8")
    (kata / "stub" / files).write_text('def double(x):\n    raise NotImplementedError("exercise 1: double")\n')
    (root / "reference" / folder / files).write_text("def double(x):\n    return x * 2\n")
    (kata / "checks" / "test_tiny.py").write_text(JUDGE.format(inputs=inputs), encoding="utf-8")
    (kata / "checks" / "exercise_tiny.py").write_text(EXERCISE, encoding="utf-8")
    [loaded] = Catalog.load(root / "katas").katas
    return loaded


def _rewrite(kata: Kata, name: str, old: str, new: str) -> None:
    path = kata.checks / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- inputs that do not change with the seed: another job's answers would pass -----------------


def test_inputs_drawn_from_rng_change_with_the_seed(tmp_path: Path):
    assert fixed_input_problems(_pack(tmp_path)) == []


@pytest.mark.parametrize(
    "inputs",
    [
        "(torch.manual_seed(0), torch.randn(5))[1]",  # a fixed seed instead of the rng fixture
        "torch.randn(5)",  # the global generator: its start seed is the same in every process
        "torch.arange(5.0)",  # no randomness at all
    ],
)
def test_inputs_the_same_in_every_job_are_a_problem(tmp_path: Path, inputs: str):
    [problem] = fixed_input_problems(_pack(tmp_path, inputs=inputs))
    assert problem.startswith("test_double: its inputs are the same in every job")


def test_the_global_generators_are_left_as_they_were(tmp_path: Path):
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fixed_input_problems(_pack(tmp_path, inputs="torch.randn(5)"))
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("kata", BUILTIN, ids=[k.id for k in BUILTIN])
@pytest.mark.slow
def test_builtin_inputs_change_with_the_seed(kata: Kata):
    assert fixed_input_problems(kata) == []


# --- a judge that yields more than once: the engine stops at it ---------------------------------


def test_a_judge_that_yields_twice_is_named(tmp_path: Path):
    kata = _pack(tmp_path)
    _rewrite(kata, "test_tiny.py", "    got = yield x\n", "    got = yield x\n    again = yield x\n")
    [problem] = yield_problems(kata)
    assert problem.startswith("test_double yields 2 times (lines 11, 12)")


def test_a_judge_that_yields_in_a_loop_is_named(tmp_path: Path):
    kata = _pack(tmp_path)
    _rewrite(kata, "test_tiny.py", "    got = yield x\n", "    for _ in range(2):\n        got = yield x\n")
    [problem] = yield_problems(kata)
    assert problem.startswith("test_double yields inside a loop (line 12)")


def test_a_yield_in_a_helper_of_the_judge_is_its_own(tmp_path: Path):
    kata = _pack(tmp_path)
    _rewrite(kata, "test_tiny.py", "import torch\n", "import torch\n\n\ndef _gen():\n    yield 1\n    yield 2\n")
    assert yield_problems(kata) == []


@pytest.mark.slow
def test_verify_reports_a_judge_that_yields_twice_without_a_traceback(tmp_path: Path):
    kata = _pack(tmp_path)
    _rewrite(kata, "test_tiny.py", "    got = yield x\n", "    got = yield x\n    again = yield x\n")
    [verdict] = verify([kata])
    assert not verdict.ok and verdict.problems[0].startswith("test_double yields 2 times")


@pytest.mark.slow
def test_grading_with_a_judge_that_yields_twice_stops_with_a_kata_error(tmp_path: Path):
    """The second yield shows only once the observations come back: grading stops there, as for any
    broken check, never with a traceback and never as the learner's failure."""
    kata = _pack(tmp_path)
    _rewrite(kata, "test_tiny.py", "    got = yield x\n", "    got = yield x\n    again = yield x\n")
    with pytest.raises(KataError, match="tiny: a check is broken: test_double yields more than once"):
        runner.grade(kata, tmp_path / "reference" / "01-tiny")


# --- an exercise half that decides: a verdict the learner's process could change ----------------


@pytest.mark.parametrize(
    "body, what",
    [
        ("    assert out is not None\n", "an assert"),
        ("    ok = torch.allclose(out, inputs * 2)\n", "a call of allclose()"),
        ("    from torch.testing import assert_close\n", "an import of torch.testing"),
        ("    from grader import expect\n", "an import of grader.expect"),
    ],
)
def test_an_exercise_half_that_decides_is_named(tmp_path: Path, body: str, what: str):
    kata = _pack(tmp_path)
    _rewrite(
        kata,
        "exercise_tiny.py",
        "    return attempt(solution.double, inputs)\n",
        "    import torch\n    out = attempt(solution.double, inputs)\n" + body + "    return out\n",
    )
    [problem] = exercise_problems(kata)
    assert problem.startswith("exercise_tiny.py:") and f"the exercise half decides ({what})" in problem


def test_an_exercise_half_that_observes_passes(tmp_path: Path):
    kata = _pack(tmp_path)
    _rewrite(
        kata,
        "exercise_tiny.py",
        "    return attempt(solution.double, inputs)\n",
        "    out = attempt(solution.double, inputs)\n    return {'out': out, 'same': out is inputs}\n",
    )
    assert exercise_problems(kata) == []


@pytest.mark.parametrize("kata", BUILTIN, ids=[k.id for k in BUILTIN])
def test_builtin_exercise_halves_observe(kata: Kata):
    assert exercise_problems(kata) == [] and yield_problems(kata) == [] and marker_problems(kata) == []
    assert stub_problems(kata) == [] and builtin_clash_problems(kata) == [] and message_problems(kata) == []
    assert judge_import_problems(kata) == []


# --- a private kata named like a built-in one ---------------------------------------------------


def test_a_private_kata_with_a_builtin_id_and_other_files_is_named(tmp_path: Path):
    [problem] = builtin_clash_problems(_pack(tmp_path, folder="01-tensors", files="softmax.py"))
    assert problem.startswith("the id 'tensors' is a built-in kata's, whose files are ['tensors.py']")


def test_a_copy_of_a_builtin_kata_keeps_its_id(tmp_path: Path):
    katas_root, reference_root = builtin_roots()
    shutil.copytree(katas_root / "01-tensors", tmp_path / "katas" / "01-tensors")
    shutil.copytree(reference_root / "01-tensors", tmp_path / "reference" / "01-tensors")
    [kata] = Catalog.load(tmp_path / "katas").katas
    assert builtin_clash_problems(kata) == []
    assert builtin_clash_problems(Catalog.load().get("tensors")) == []


# --- a marker on the half that does not read it ------------------------------------------------


@pytest.mark.parametrize(
    "name, old, new, half",
    [
        ("test_tiny.py", "def test_double(rng)", "@pytest.mark.timeout(30)\ndef test_double(rng)", "exercise"),
        ("exercise_tiny.py", "def test_double(", "@pytest.mark.points(3)\ndef test_double(", "judge"),
        ("exercise_tiny.py", "def test_double(", "@pytest.mark.cpu_only\ndef test_double(", "judge"),
    ],
)
def test_a_marker_on_the_wrong_half_is_named(tmp_path: Path, name: str, old: str, new: str, half: str):
    kata = _pack(tmp_path)
    _rewrite(kata, name, "\n", "\nimport pytest\n")
    _rewrite(kata, name, old, new)
    [problem] = marker_problems(kata)
    assert problem.startswith(f"{name}:") and f"is read only in the {half} half" in problem


def test_markers_on_their_own_half_pass(tmp_path: Path):
    kata = _pack(tmp_path)
    _rewrite(kata, "test_tiny.py", "def test_double(rng)", "@pytest.mark.points(2)\ndef test_double(rng)")
    _rewrite(kata, "exercise_tiny.py", "def test_double(", "@pytest.mark.timeout(30)\ndef test_double(")
    assert marker_problems(kata) == []


# --- a check that uses most of its time limit on the reference -----------------------------------


def _reference_result(kata: Kata, durations: dict[str, float], total: float):
    from grader.results import CheckResult, KataResult

    checks = [CheckResult(i, i, i, 1, 1, "passed", duration=d) for i, d in durations.items()]
    return KataResult(kata.id, kata.version, "passed", "", checks, "cpu", "2", duration=total)


def test_a_slow_check_on_the_reference_is_named(tmp_path: Path):
    kata = _pack(tmp_path)  # check_timeout: 10 s by default
    [problem] = slow_problems(kata, _reference_result(kata, {"test_double": 6.0}, 6.5))
    assert problem.startswith("test_double took 6.0 s of its 10 s limit on the reference")
    assert slow_problems(kata, _reference_result(kata, {"test_double": 4.0}, 4.5)) == []


def test_a_timeout_marker_gives_the_check_its_own_limit(tmp_path: Path):
    kata = _pack(tmp_path)
    _rewrite(kata, "exercise_tiny.py", "def test_double(", "@pytest.mark.timeout(60)\ndef test_double(")
    assert check_limits(kata) == {"test_double": 60.0}
    assert slow_problems(kata, _reference_result(kata, {"test_double": 20.0}, 21.0)) == []


def test_a_reference_that_uses_most_of_the_kata_timeout_is_named(tmp_path: Path):
    kata = _pack(tmp_path)  # timeout: 60 s by default
    [problem] = slow_problems(kata, _reference_result(kata, {"test_double": 1.0}, 40.0))
    assert problem.startswith("the reference took 40.0 s of the kata's 60 s timeout")


# --- a check that cannot fail: it passes answers made for other inputs --------------------------


@pytest.mark.slow
def test_a_check_that_passes_replayed_answers_is_named(tmp_path: Path):
    kata = _pack(tmp_path)
    _rewrite(kata, "test_tiny.py", "torch.equal(got, x * 2)", "torch.equal(got, got)")
    [verdict] = verify([kata])
    assert verdict.problems == [
        "test_double passes the reference's answers to other inputs: it cannot tell a right answer from a "
        "replayed one (compare with values computed from the inputs it yielded)"
    ]


@pytest.mark.slow
def test_a_check_of_the_inputs_it_yielded_passes_verify(tmp_path: Path):
    [verdict] = verify([_pack(tmp_path)])
    assert verdict.ok, verdict.problems


# --- a mistake that fails by a NameError, not by the mistake it shows ---------------------------


def _add_patch(kata: Kata, folder: str, name: str, source: str) -> Kata:
    (kata.folder / folder).mkdir(exist_ok=True)
    (kata.folder / folder / name).write_text(source, encoding="utf-8")
    return Catalog.load(kata.folder.parent).get(kata.id)


def test_a_mistake_using_a_name_nobody_imports_is_named(tmp_path: Path):
    kata = _add_patch(
        _pack(tmp_path),
        "mistakes",
        "via_numpy.py",
        '"""through NumPy\n\ncatches: test_double\n"""\n\n\ndef double(x):\n    return np.asarray(x) * 2\n',
    )
    [problem] = patch_problems(kata)
    assert problem.startswith("mistake via-numpy: via_numpy.py uses np, which neither it nor the reference defines")


def test_an_alternative_that_imports_what_it_uses_passes(tmp_path: Path):
    kata = _add_patch(
        _pack(tmp_path),
        "alternatives",
        "via_numpy.py",
        '"""through NumPy"""\n\nimport numpy as np\n\n\ndef double(x):\n    return np.asarray(x) * 2\n',
    )
    assert patch_problems(kata) == []


@pytest.mark.parametrize(
    "source, names",
    [
        ("import torch\n\n\ndef f(x):\n    return F.relu(torch.abs(x))\n", ["F"]),
        ("def f(x):\n    y = 2\n    return [y * v for v in x] + list(range(3))\n", []),
        ("class A:\n    k = 1\n\n    def m(self):\n        return A.k + B\n", ["B"]),
        ("x = undefined_at_top\n", ["undefined_at_top"]),
    ],
)
def test_undefined_names(source: str, names: list[str]):
    from grader.authoring import undefined_names

    assert undefined_names(source) == names


# --- a mistake caught by another check than the one it names -----------------------------------


def test_a_mistake_names_the_checks_it_fails_instead():
    from grader.results import CheckResult, KataResult
    from grader.verify import _instead

    checks = [CheckResult("test_a", "a", "a", 0, 1, "failed"), CheckResult("test_b", "b", "b", 1, 1, "passed")]
    assert _instead(KataResult("k", 1, "failed", "", checks, "cpu", "2")) == " (it fails test_a instead)"
    checks[0] = CheckResult("test_a", "a", "a", 1, 1, "passed")
    assert (
        _instead(KataResult("k", 1, "passed", "", checks, "cpu", "2")) == " (it earns full marks: no check catches it)"
    )


# --- a stub without the exercise markers: nothing to mutate, nothing "not started" --------------


def test_a_stub_without_exercise_markers_is_named(tmp_path: Path):
    kata = _pack(tmp_path)
    assert stub_problems(kata) == []
    (kata.stub / "tiny.py").write_text('def double(x):\n    raise NotImplementedError("TODO")\n')
    [problem] = stub_problems(kata)
    assert problem.startswith('no function of the stub raises NotImplementedError("exercise N: <name>")')


@pytest.mark.slow
def test_mutation_testing_with_nothing_to_mutate_fails(tmp_path: Path):
    from grader.verify import mutation_test

    kata = _pack(tmp_path)
    (kata.stub / "tiny.py").write_text('def double(x):\n    raise NotImplementedError("TODO")\n')
    [report] = mutation_test([kata])
    assert report.total == 0 and not report.ok
    assert report.problems[0].startswith("no function of the stub raises")


# --- a message in one language, found before a mistake trips it ---------------------------------


@pytest.mark.parametrize(
    "new, what",
    [
        ("assert torch.equal(got, x * 2)\n", "an assert without a message"),
        (
            'assert torch.equal(got, x * 2), "double(x) should equal x * 2"\n',
            "an assert whose message is a plain string",
        ),
        ('assert torch.equal(got, x * 2), f"double(x) gave {got}"\n', "an assert whose message is a plain string"),
        ('expect.matches(got, x * 2, name="double(x)", why="multiply by two")\n', "why= a plain string"),
        ('raise AssertionError("wrong")\n', "an AssertionError with a plain string"),
    ],
)
def test_a_message_in_one_language_is_named(tmp_path: Path, new: str, what: str):
    kata = _pack(tmp_path)
    assert message_problems(kata) == []
    text = (kata.checks / "test_tiny.py").read_text(encoding="utf-8")
    start = text.index("    assert torch.equal")
    (kata.checks / "test_tiny.py").write_text(text[:start] + "    " + new, encoding="utf-8")
    [problem] = message_problems(kata)
    assert problem == f"test_tiny.py:12: {what}: give the learner both(en, zh)"


# --- a judge half that imports a learner's file -----------------------------------------------------


@pytest.mark.parametrize("line", ["import tiny\n", "from tiny import double\n", "import tiny.sub as t\n"])
def test_a_judge_importing_a_learner_file_is_named(tmp_path: Path, line: str):
    kata = _pack(tmp_path)
    assert judge_import_problems(kata) == []
    _rewrite(kata, "test_tiny.py", "import torch\n", "import torch\n" + line)
    [problem] = judge_import_problems(kata)
    assert problem.startswith("test_tiny.py:3: the judge half imports tiny")


class _FakeJudgement:
    def __init__(self, inputs: dict):
        self.inputs = inputs
        self.pending = dict.fromkeys(inputs)
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_a_replay_judges_each_check_on_inputs_other_than_those_sent():
    """An input space as small as an int in 1..100 repeats now and then: a replay that drew the
    same inputs would pass a sound check and blame it."""
    from grader.verify import _REPLAY_DRAWS, _Replayed

    draws = [_FakeJudgement({"a": 5, "b": 1}), _FakeJudgement({"a": 7, "b": 1}), _FakeJudgement({"a": 7, "b": 2})]
    draws += [_FakeJudgement({"a": 5, "b": 1}) for _ in range(_REPLAY_DRAWS - len(draws))]
    sent = _FakeJudgement({"a": 5, "b": 1})
    replayed = _Replayed(sent, lambda i: draws[i])
    assert sent.closed and replayed.inputs == {"a": 5, "b": 1}
    assert replayed.judge_of == {"a": draws[1], "b": draws[2]}
    assert replayed.pending.keys() == {"a", "b"}
    replayed.close()
    assert all(d.closed for d in draws)


def test_a_replay_judges_each_check_on_the_inputs_that_differ_most():
    """A check whose answer rests on a batch size in 33..100 beside a seed it cannot check: a set that
    differs only in the seed would blame it; one that also differs in the size cannot."""
    from grader.verify import _REPLAY_DRAWS, _Replayed

    sent = {"loaders": {"root": "mnist", "batch_size": 40, "seed": 1}}
    draws = [
        _FakeJudgement({"loaders": {"root": "mnist", "batch_size": size, "seed": seed}})
        for size, seed in [(40, 2), (41, 3), (40, 4)]
    ]
    draws += [_FakeJudgement(sent)] * (_REPLAY_DRAWS - len(draws))
    replayed = _Replayed(_FakeJudgement(sent), lambda i: draws[i])
    assert replayed.judge_of == {"loaders": draws[1]}


# --- scripts/replay_odds.py: the chance left over after verify's replay -------------------------


def _replay_passes():
    spec = importlib.util.spec_from_file_location(
        "replay_odds", Path(__file__).parents[1] / "scripts" / "replay_odds.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.replay_passes


@pytest.mark.slow
def test_replay_odds_count_the_answers_that_rest_on_few_input_values(tmp_path: Path):
    """Doubling one of two values: another job's answer fits about half the time; doubling random
    floats: never."""
    replay_passes = _replay_passes()
    few = _pack(tmp_path / "few", inputs="torch.randint(0, 2, (1,), generator=rng)")
    fitting = replay_passes([few], jobs=4, draws=25)[few.id]["test_double"]
    assert 20 <= fitting <= 80, fitting  # of 100; outside, for a binomial(100, 1/2): about 1e-9
    many = _pack(tmp_path / "many")
    assert replay_passes([many], jobs=4, draws=25)[many.id]["test_double"] == 0
