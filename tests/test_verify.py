"""`kata verify` holds for every built-in kata: reference full marks, stub fails every check,
every known mistake fails the checks it names."""

from __future__ import annotations

import pytest

from grader.catalog import Catalog
from grader.verify import verify

KATAS = Catalog.load().katas


@pytest.mark.parametrize("kata", KATAS, ids=[k.id for k in KATAS])
@pytest.mark.slow
def test_kata_verifies(kata):
    [verdict] = verify([kata])
    assert verdict.ok, "\n".join(verdict.problems)
    assert verdict.checks >= 4
    # each known mistake, with the message its check gives a learner (`kata verify -v` lists them)
    assert len(verdict.caught) == sum(len(m.catches) for m in kata.mistakes)
    assert all(caught.message for caught in verdict.caught)
    assert len(kata.mistakes) >= 3


TINY_CHECK = '''
import torch

from grader.bilingual import both


def test_double(rng):
    """Doubles a tensor
    张量加倍"""
    x = torch.randn(5, generator=rng)
    got = yield x
    assert isinstance(got, torch.Tensor) and torch.equal(got, x * 2), both(
        "double(x) should equal x * 2", "double(x) 应等于 x * 2"
    )
'''

TINY_EXERCISE = """
def test_double(solution, inputs):
    return solution.double(inputs)
"""


def _tiny_pack(root, alternatives: dict[str, str]) -> Catalog:
    """A one-check kata pack in `root`, with the given alternatives/ files."""
    kata = root / "katas" / "01-tiny"
    for folder in ("stub", "checks", "alternatives"):
        (kata / folder).mkdir(parents=True)
    (root / "reference" / "01-tiny").mkdir(parents=True)
    (kata / "kata.toml").write_text(
        'id = "tiny"\norder = 1\nfiles = ["tiny.py"]\n'
        '[title]\nen = "Tiny"\nzh = "小"\n[summary]\nen = "Tiny"\nzh = "小"\n'
        '[hints]\nen = ["Double it."]\nzh = ["加倍。"]\n',
        encoding="utf-8",
    )
    (kata / "README.md").write_text("Double a tensor.\n")
    (kata / "README.zh.md").write_text("张量加倍。\n", encoding="utf-8")
    (kata / "stub" / "tiny.py").write_text('def double(x):\n    raise NotImplementedError("exercise 1: double")\n')
    (root / "reference" / "01-tiny" / "tiny.py").write_text("import torch\n\n\ndef double(x):\n    return x * 2\n")
    (kata / "checks" / "test_doubling.py").write_text(TINY_CHECK, encoding="utf-8")
    (kata / "checks" / "exercise_doubling.py").write_text(TINY_EXERCISE, encoding="utf-8")
    for name, source in alternatives.items():
        (kata / "alternatives" / name).write_text(source)
    return Catalog.load(root / "katas")


@pytest.mark.slow
def test_alternatives_must_earn_full_marks(tmp_path):
    catalog = _tiny_pack(
        tmp_path,
        {
            "add_to_itself.py": '"""x + x instead of x * 2"""\n\n\ndef double(x):\n    return x + x\n',
            "off_by_one.py": '"""adds one too many"""\n\n\ndef double(x):\n    return x * 2 + 1\n',
            "no_style.py": "def double(x):\n    return torch.mul(x, 2)\n",
        },
    )
    [kata] = catalog.katas
    assert [(a.name, a.style) for a in kata.alternatives] == [
        ("add_to_itself", "x + x instead of x * 2"),
        ("no_style", ""),
        ("off_by_one", "adds one too many"),
    ]
    [verdict] = verify([kata])
    assert len(verdict.problems) == 2, verdict.problems
    assert verdict.problems[0].startswith("alternative no_style: needs a module docstring")
    assert verdict.problems[1].startswith(
        "alternative off_by_one (adds one too many) is correct but fails test_double: "
    )
    assert "double(x) should equal x * 2" in verdict.problems[1]


# the tiny check, and one whose Chinese message keeps English words
BILINGUAL_CHECK = (
    TINY_CHECK
    + '''

def test_sign(rng):
    """Keeps the sign
    保持符号"""
    x = torch.randn(64, generator=rng)  # 64 signs: another seed's answer keeps them with odds 2**-64, not 1/32
    got = yield x
    assert torch.equal(got.sign(), x.sign()), both("the sign flipped", "符号 flipped by the call itself")
'''
)


@pytest.mark.slow
def test_a_message_without_chinese_fails_verify(tmp_path):
    """A learner reads every message in their language: English only, or English left in the
    Chinese, is a kata's problem that `kata verify` names."""
    checks = _tiny_pack(tmp_path, {}).katas[0].checks
    (checks / "test_doubling.py").write_text(BILINGUAL_CHECK, encoding="utf-8")
    (checks / "exercise_doubling.py").write_text(
        TINY_EXERCISE + "\n\ndef test_sign(solution, inputs):\n    return solution.double(inputs)\n"
    )
    mistakes = checks.parent / "mistakes"
    mistakes.mkdir()
    (mistakes / "plain_english.py").write_text(
        '"""adds instead of doubling\n\ncatches: test_double\n"""\n\n\ndef double(x):\n    return x + 1\n'
    )
    (mistakes / "negates.py").write_text(
        '"""negates instead of doubling\n\ncatches: test_double, test_sign\n"""\n\n\ndef double(x):\n    return -x\n'
    )
    [verdict] = verify(Catalog.load(tmp_path / "katas").katas)
    assert sorted(verdict.problems) == [
        "mistake negates: test_sign's Chinese message still has English ('flipped by the call itself'): "
        "符号 flipped by the call itself"
    ], verdict.problems
    assert {(c.mistake, c.check, c.message_zh) for c in verdict.caught} >= {
        ("plain-english", "test_double", "double(x) 应等于 x * 2")
    }
    # a kata (a pack of its own: judge modules are loaded once per path) whose message is English only
    plain = _tiny_pack(tmp_path / "plain", {}).katas[0]
    english_only = TINY_CHECK.replace(
        'both(\n        "double(x) should equal x * 2", "double(x) 应等于 x * 2"\n    )',
        '"double(x) should equal x * 2"',
    )
    assert english_only != TINY_CHECK
    (plain.checks / "test_doubling.py").write_text(english_only, encoding="utf-8")
    (plain.checks.parent / "mistakes").mkdir()
    (plain.checks.parent / "mistakes" / "plain_english.py").write_text((mistakes / "plain_english.py").read_text())
    [verdict] = verify(Catalog.load(tmp_path / "plain" / "katas").katas)
    assert verdict.problems == [  # named from the source before any mistake trips it, then as a learner reads it
        "test_doubling.py:12: an assert whose message is a plain string: give the learner both(en, zh)",
        "mistake plain-english: test_double's message has no Chinese (give `both(en, zh)`): double(x) should equal x * 2",
    ]
