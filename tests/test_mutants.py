"""Mutation testing: which mutants the generator makes, that their ids are stable, and that
`kata verify --mutants` grades them, scores them and honours declared equivalent mutants."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from grader.catalog import Catalog
from grader.errors import KataError
from grader.mutants import OPERATORS, kata_mutants, learner_functions, mutate
from grader.verify import mutation_test

STUB = """
class Net:
    def __init__(self):
        raise NotImplementedError("exercise 1: Net")

    def helper(self):
        return 1


def train(model):
    raise NotImplementedError("exercise 2: train")


def untouched(x):
    return x + 1
"""


def test_learner_functions_are_the_stub_bodies_that_raise():
    assert learner_functions(STUB) == {"Net.__init__", "train"}


def _changes(source: str, function: str = "f") -> dict[str, str]:
    """mutant id -> the one line it changed."""
    out = {}
    for mutant in mutate(source, {function}, "m.py"):
        [changed] = [new for old, new in zip(source.splitlines(), mutant.source.splitlines()) if old != new]
        out[mutant.id] = changed.strip()
    return out


CASES = [
    ("return a < b", {"f:compare:1": "return a <= b", "f:return-none:1": "return None"}),
    (
        "return x @ w - b",
        {
            "f:arith:1": "return x @ w + b",
            "f:arith:2": "return x * w - b",
            "f:detach:1": "return (x @ w - b).detach()",
            "f:return-none:1": "return None",
        },
    ),
    ("y = x[0]", {"f:constant:1": "y = x[1]"}),
    (
        "if ok and not done:\n        pass",
        {
            "f:negate:1": "if not (ok and not done):",
            "f:negate:2": "if ok or not done:",
            "f:negate:3": "if ok and done:",
        },
    ),
    (
        "m = x.mean(dim=0)",
        {
            "f:detach:1": "m = x.mean(dim=0).detach()",
            "f:dim:1": "m = x.mean(dim=1)",
            "f:mean-sum:1": "m = x.sum(dim=0)",
        },
    ),
    (
        "m = x.sum(-1)",
        {"f:detach:1": "m = x.sum(-1).detach()", "f:dim:1": "m = x.sum(0)", "f:mean-sum:1": "m = x.mean(-1)"},
    ),
    (
        "y = torch.cat([a, b], 0)",
        {"f:detach:1": "y = torch.cat([a, b], 0).detach()", "f:dim:1": "y = torch.cat([a, b], 1)"},
    ),
    ("y = x.detach()", {"f:detach:1": "y = x"}),
    ("with torch.no_grad():\n        y = g(x)", {"f:no-grad:1": "if True:", "f:detach:1": "y = g(x).detach()"}),
    ("opt.zero_grad()", {"f:drop-call:1": "pass"}),
    (
        "y = x.to(torch.float32)",
        {
            "f:dtype:1": "y = x.to(torch.float64)",
            "f:drop-to:1": "y = x",
            "f:detach:1": "y = x.to(torch.float32).detach()",
        },
    ),
    (
        "y = x.view(-1)",
        {
            "f:view-reshape:1": "y = x.reshape(-1)",
            "f:detach:1": "y = x.view(-1).detach()",
            "f:constant:1": "y = x.view(-2)",
        },
    ),
    ("for i in range(n):\n        pass", {"f:range:1": "for i in range(n - 1):", "f:range:2": "for i in range(1, n):"}),
    (
        "y = x.to(device)",
        {"f:device:1": 'y = x.to("cpu")', "f:drop-to:1": "y = x", "f:detach:1": "y = x.to(device).detach()"},
    ),
    (
        "loss = loss_fn(out, y)",
        {"f:arg-swap:1": "loss = loss_fn(y, out)", "f:detach:1": "loss = loss_fn(out, y).detach()"},
    ),
    ("t = x.t()", {"f:detach:1": "t = x.t().detach()"}),
    (
        "y = torch.zeros(3).long()",
        {"f:dtype:1": "y = torch.zeros(3).int()", "f:constant:1": "y = torch.zeros(4).long()"},
    ),
]


@pytest.mark.parametrize("body, expected", CASES)
def test_each_operator_makes_one_small_edit(body, expected):
    assert _changes(f"def f(x):\n    {body}\n") == expected


def test_every_operator_is_exercised_above():
    # Keeps OPERATORS (shown to authors) and the table above in step.
    assert {mutant_id.split(":")[1] for _, expected in CASES for mutant_id in expected} == set(OPERATORS)


def test_positions_after_non_ascii_text_on_the_same_line():
    source = 'def f(x):\n    return "张量" if x is None else x * 2\n'
    changes = _changes(source)
    assert changes["f:arith:1"] == 'return "张量" if x is None else x / 2'
    assert changes["f:compare:1"] == 'return "张量" if x is not None else x * 2'


def test_ids_are_stable_and_only_learner_functions_mutate():
    reference = "def f(x):\n    return x * 2\n\n\ndef g(x):\n    return x + 1\n"
    first = [m.id for m in mutate(reference, {"f"}, "m.py")]
    assert first == ["f:return-none:1", "f:detach:1", "f:arith:1", "f:constant:1"]
    assert all(m.function == "f" for m in mutate(reference, {"f"}, "m.py"))
    edited_elsewhere = "def g(x):\n    return x - 3\n\n\n" + reference
    assert [m.id for m in mutate(edited_elsewhere, {"f"}, "m.py")] == first


def test_messages_and_docstrings_are_not_mutated():
    source = (
        'def f(x):\n    """Doubles 2 things."""\n    if x is None:\n        raise ValueError(f"need {1 + 1} values")\n'
    )
    assert set(_changes(source)) == {"f:negate:1", "f:compare:1"}


# --- grading mutants ---------------------------------------------------------------------------

CHECK = '''
import torch


def test_scale(rng):
    """Scales a tensor
    缩放张量"""
    x = torch.arange(1.0, 4.0) + torch.randint(0, 5, (3,), generator=rng)
    got = yield x
    assert isinstance(got, torch.Tensor) and torch.equal(got, x * 2.5), "scale(x, f) should be x * f"
'''

EXERCISE = """
def test_scale(solution, inputs):
    return solution.scale(inputs, 2.5)
"""


def _tiny_pack(root: Path, equivalents: str = "") -> Path:
    """One learner function, `scale`: its mutants are arith (killed), detach (survives: the check never
    looks at gradients) and return-none (killed). `helper` is not the learner's, so it is never mutated."""
    kata = root / "katas" / "01-tiny"
    for folder in ("stub", "checks"):
        (kata / folder).mkdir(parents=True)
    (root / "reference" / "01-tiny").mkdir(parents=True)
    (kata / "kata.toml").write_text(
        'id = "tiny"\norder = 1\nfiles = ["tiny.py"]\n'
        '[title]\nen = "Tiny"\nzh = "小"\n[summary]\nen = "Tiny"\nzh = "小"\n'
        '[hints]\nen = ["Multiply."]\nzh = ["相乘。"]\n' + equivalents,
        encoding="utf-8",
    )
    (kata / "README.md").write_text("Scale a tensor.\n")
    (kata / "README.zh.md").write_text("缩放张量。\n", encoding="utf-8")
    helper = "\n\ndef helper():\n    return 1 + 1\n"
    (kata / "stub" / "tiny.py").write_text(
        'import torch\n\n\ndef scale(x, factor):\n    raise NotImplementedError("exercise 1: scale")\n' + helper
    )
    (root / "reference" / "01-tiny" / "tiny.py").write_text(
        "import torch\n\n\ndef scale(x, factor):\n    return x * factor\n" + helper
    )
    (kata / "checks" / "test_scaling.py").write_text(CHECK, encoding="utf-8")
    (kata / "checks" / "exercise_scaling.py").write_text(EXERCISE, encoding="utf-8")
    return root / "katas"


@pytest.mark.slow
def test_score_and_survivors(tmp_path: Path):
    [kata] = Catalog.load(_tiny_pack(tmp_path)).katas
    [report] = mutation_test([kata], parallel=2)
    assert report.problems == []
    assert {o.mutant.id: o.killed for o in report.outcomes} == {
        "scale:arith:1": True,
        "scale:detach:1": False,
        "scale:return-none:1": True,
    }
    assert (report.killed, report.total) == (2, 3) and not report.ok
    [survivor] = report.survivors
    assert "-    return x * factor\n+    return (x * factor).detach()\n" in survivor.diff
    assert next(o for o in report.outcomes if o.mutant.id == "scale:arith:1").by == "test_scale"


@pytest.mark.slow
def test_declared_equivalents_leave_the_score(tmp_path: Path):
    declared = (
        '[[equivalent_mutants]]\nid = "scale:detach:1"\nreason = "the check never asks for gradients"\n'
        '[[equivalent_mutants]]\nid = "scale:arith:1"\nreason = "wrongly declared"\n'
        '[[equivalent_mutants]]\nid = "scale:gone:1"\nreason = "stale"\n'
    )
    [kata] = Catalog.load(_tiny_pack(tmp_path, declared)).katas
    [report] = mutation_test([kata])
    assert [o.mutant.id for o in report.equivalents] == ["scale:detach:1", "scale:arith:1"]
    assert (report.killed, report.total, report.score) == (1, 1, 100.0)
    assert len(report.problems) == 2 and not report.ok
    assert report.problems[0].startswith("equivalent mutant scale:gone:1: no such mutant")
    assert report.problems[1].startswith("mutant scale:arith:1 is declared equivalent but test_scale kills it")


def test_an_equivalent_mutant_needs_a_reason(tmp_path: Path):
    with pytest.raises(KataError, match=r"missing field 'reason'"):
        Catalog.load(_tiny_pack(tmp_path, '[[equivalent_mutants]]\nid = "scale:detach:1"\n'))


def _kata(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", "--lang", "en", "verify", "--mutants", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_cli_threshold_sets_the_exit_code(tmp_path: Path):
    pack = _tiny_pack(tmp_path)
    failing = _kata("--katas", str(pack))
    assert failing.returncode == 1, failing.stderr
    assert "FAIL tiny: 2/3 mutants killed (66.7 %, threshold 90 %), 0 equivalent" in failing.stdout
    assert "survived scale:detach:1 (line 5)" in failing.stdout
    assert "+    return (x * factor).detach()" in failing.stdout
    passing = _kata("--katas", str(pack), "--threshold", "60")
    assert passing.returncode == 0 and passing.stdout.startswith("ok   tiny: 2/3"), passing.stdout


@pytest.mark.slow
def test_cli_on_a_built_in_kata():
    kata = Catalog.load().get("tensors")
    out = _kata("tensors", "--threshold", "0", "--workers", "2")
    assert out.returncode == 0, out.stdout + out.stderr
    match = re.search(r"tensors: (\d+)/(\d+) mutants killed \([\d.]+ %, threshold 0 %\), (\d+) equivalent", out.stdout)
    assert match, out.stdout
    generated = len(kata_mutants(kata))
    assert int(match[2]) + int(match[3]) == generated and generated >= 20
