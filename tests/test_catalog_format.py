"""kata.toml declares only what cannot be derived: the folder gives id and order, each mistake file its
own description and checks; `format` says which kata.toml this is; the READMEs' kata table is
generated from kata.toml; `kata verify` holds stub and reference to the same names and signatures."""

from __future__ import annotations

import dataclasses
import importlib.util
import shutil
import tomllib
from pathlib import Path

import pytest

from grader.catalog import FORMAT, Catalog, builtin_roots, load_kata
from grader.errors import KataError
from grader.verify import interface_problems, verify

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """The tensors kata copied into a private pack as `05-again`: a folder name unlike its source."""
    katas_root, reference_root = builtin_roots()
    shutil.copytree(
        katas_root / "01-tensors", tmp_path / "katas" / "05-again", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(reference_root / "01-tensors", tmp_path / "reference" / "05-again")
    return tmp_path / "katas"


def _toml(pack: Path, old: str, new: str) -> None:
    toml = pack / "05-again" / "kata.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new, 1), encoding="utf-8")


def _mistake(pack: Path, name: str, source: str) -> Path:
    path = pack / "05-again" / "mistakes" / name
    path.write_text(source, encoding="utf-8")
    return path


def _error(pack: Path) -> str:
    with pytest.raises(KataError) as error:
        Catalog.load(pack)
    assert len(str(error.value).splitlines()) == 1
    return str(error.value)


def test_id_and_order_come_from_the_folder_name(pack: Path):
    kata = Catalog.load(pack).get("again")
    assert (kata.id, kata.order) == ("again", 5)


@pytest.mark.parametrize("field, value", [("id", '"again"'), ("order", "5")])
def test_an_agreeing_id_or_order_still_loads(pack: Path, field: str, value: str):
    _toml(pack, "format = 1", f"format = 1\n{field} = {value}")
    assert Catalog.load(pack).get("again").order == 5


@pytest.mark.parametrize(
    "field, value, said",
    [
        ("id", '"tensors"', "field 'id' is 'tensors' but the folder name says 'again'"),
        ("order", "1", "field 'order' is 1 but the folder name says 5"),
        ("order", '"5"', "field 'order' is '5' but the folder name says 5"),
    ],
)
def test_a_disagreeing_id_or_order_names_file_and_field(pack: Path, field: str, value: str, said: str):
    _toml(pack, "format = 1", f"format = 1\n{field} = {value}")
    message = _error(pack)
    assert "05-again/kata.toml" in message and said in message


def test_a_kata_folder_must_be_named_nn_id(pack: Path):
    folder = (pack / "05-again").rename(pack / "again")
    with pytest.raises(KataError, match="a kata folder is named NN-<id>"):
        load_kata(folder, pack.parent / "reference")


def test_format_missing_means_the_current_one(pack: Path):
    _toml(pack, "format = 1", "")
    assert FORMAT == 1 and Catalog.load(pack).get("again").files == ("tensors.py",)


def test_an_unknown_format_is_a_clear_error(pack: Path):
    _toml(pack, "format = 1", "format = 2")
    message = _error(pack)
    assert "05-again/kata.toml: field 'format' is 2, but this grader reads format 1" in message


def test_every_shipped_kata_toml_declares_its_format_and_nothing_derived():
    katas_root, _ = builtin_roots()
    for toml in [*katas_root.glob("*/kata.toml"), REPO / "grader/probe/katas/00-probe/kata.toml"]:
        raw = tomllib.loads(toml.read_text(encoding="utf-8"))
        assert raw["format"] == FORMAT and not {"id", "order", "mistakes"} & raw.keys(), toml


def test_the_probe_still_loads():
    probe = load_kata(REPO / "grader/probe/katas/00-probe", REPO / "grader/probe/reference")
    assert (probe.id, probe.order) == ("probe", 0)


def test_a_mistake_is_described_by_its_own_docstring(pack: Path):
    _mistake(
        pack,
        "two_checks.py",
        '"""adds one everywhere\n\nWhy: a longer story.\ncatches: test_a, test_b\n'
        'catches: test_c\n"""\n\n\ndef to_labels(x):\n    return x + 1\n',
    )
    kata = Catalog.load(pack).get("again")
    mistakes = {m.id: m for m in kata.mistakes}
    mistake = mistakes["two-checks"]
    assert (mistake.about, mistake.catches, mistake.file) == (
        "adds one everywhere",
        ("test_a", "test_b", "test_c"),
        "tensors.py",
    )
    shipped = mistakes["cat-wrong-dim"]
    assert shipped.catches == ("test_join_batches",) and shipped.about.startswith("torch.cat([a, b], dim=1)")
    assert len(mistakes) == len(list((pack / "05-again" / "mistakes").glob("*.py")))


def test_a_mistake_may_name_the_learner_file_it_patches(pack: Path):
    _toml(pack, 'files = ["tensors.py"]', 'files = ["tensors.py", "extra.py"]')
    _mistake(pack, "other_file.py", '"""wrong in extra\ncatches: test_a\nfile: extra.py\n"""\n')
    assert {m.id: m.file for m in Catalog.load(pack).get("again").mistakes}["other-file"] == "extra.py"


@pytest.mark.parametrize(
    "source, said",
    [
        ("def to_labels(x):\n    return x\n", "needs a module docstring"),
        ('"""returns x unchanged"""\ndef to_labels(x):\n    return x\n', "field 'catches' is missing"),
        ('"""returns x unchanged\ncatches:\n"""\n', "field 'catches' is missing"),
        ('"""wrong file\ncatches: test_a\nfile: nope.py\n"""\n', "field 'file' must name one of the learner's files"),
        ("def to_labels(x)\n    return x\n", "not valid Python"),
    ],
)
def test_a_malformed_mistake_names_its_file(pack: Path, source: str, said: str):
    _mistake(pack, "broken_one.py", source)
    message = _error(pack)
    assert "05-again/mistakes/broken_one.py" in message and said in message


# --- the READMEs' kata table -----------------------------------------------------------------------


def _readme_table():
    spec = importlib.util.spec_from_file_location("readme_table", REPO / "scripts" / "readme_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_readme_table_is_what_kata_toml_says(lang: str):
    script = _readme_table()
    name = script.READMES[lang]
    text = (REPO / name).read_text(encoding="utf-8")
    expected = script.replaced(text, script.table(Catalog.load(), lang), name)
    assert text == expected, f"{name}'s kata table differs from kata.toml: run python scripts/readme_table.py --write"


def test_the_readme_table_follows_kata_toml():
    script = _readme_table()
    katas = list(Catalog.load())
    renamed = dataclasses.replace(katas[0], summary={"en": "a | b", "zh": "甲"})
    lines = script.table([renamed, *katas[1:]], "zh").splitlines()
    assert lines[:2] == ["| # | id | 练习 | 学习内容 |", "|---|---|---|---|"] and len(lines) == 2 + len(katas)
    assert lines[2] == f"| 1 | `{katas[0].id}` | {katas[0].title['zh']} | 甲 |"
    assert script.table([renamed], "en").splitlines()[2].endswith("| a \\| b | 甲 |")


# --- stub and reference offer the same names and signatures ---------------------------------------


def _swap_stub(pack: Path, old: str, new: str) -> None:
    stub = pack / "05-again" / "stub" / "tensors.py"
    text = stub.read_text(encoding="utf-8")
    assert old in text
    stub.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_stubs_and_references_agree():
    for kata in Catalog.load():
        assert interface_problems(kata) == [], kata.id


@pytest.mark.parametrize(
    "old, new, said",
    [
        (
            "def linear_forward(x, w, b):",
            "def linear_forward(x, w, b=None):",
            "tensors.py: the stub has def linear_forward(x, w, b=…), the reference def linear_forward(x, w, b)",
        ),
        (
            "def linear_forward(x, w, b):",
            "def linear_forward(x, b, w):",
            "the stub has def linear_forward(x, b, w), the reference def linear_forward(x, w, b)",
        ),
        (
            "def linear_forward(x, w, b):",
            "def linear(x, w, b):",
            "only the reference defines def linear_forward(x, w, b)",
        ),
        (
            "def linear_forward(x, w, b):",
            "class Helper:\n    def forward(self, *xs, scale=1, **kw):\n        pass\n\n\ndef linear_forward(x, w, b):",
            "only the stub defines class Helper",
        ),
        (
            "def linear_forward(x, w, b):",
            "class Helper:\n    def forward(self, *xs, scale=1, **kw):\n        pass\n\n\ndef linear_forward(x, w, b):",
            "only the stub defines def Helper.forward(self, *xs, scale=…, **kw)",
        ),
        (
            "def linear_forward(x, w, b):",
            "def linear_forward(x, w, /, b, *, dim):",
            "the stub has def linear_forward(x, w, /, b, *, dim)",
        ),
        ("def linear_forward(x, w, b):", "def linear_forward(x, w, b):\n    x(\n", "stub tensors.py does not parse"),
    ],
)
def test_stub_and_reference_must_define_the_same_interface(pack: Path, old: str, new: str, said: str):
    _swap_stub(pack, old, new)
    problems = interface_problems(Catalog.load(pack).get("again"))
    assert any(said in p for p in problems), problems


def test_private_helpers_are_the_authors_business(pack: Path):
    _swap_stub(pack, "def linear_forward(x, w, b):", "def _helper(y):\n    return y\n\n\ndef linear_forward(x, w, b):")
    assert interface_problems(Catalog.load(pack).get("again")) == []


TINY_CHECK = '''
import torch

from grader.bilingual import both


def test_double(rng):
    """Doubles a number
    数字加倍"""
    n = int(torch.randint(1, 100, (1,), generator=rng))
    seen = yield n
    assert seen == 2 * n, both("double({n}) should be {twice}", "double({n}) 应为 {twice}").format(n=n, twice=2 * n)
'''

TINY_EXERCISE = """
def test_double(solution, inputs):
    return solution.double(inputs)
"""


def test_kata_verify_reports_a_signature_that_differs(tmp_path: Path):
    """Everything else about this kata is right: the signature is the only problem verify finds."""
    kata = tmp_path / "katas" / "01-tiny"
    for folder in (kata / "stub", kata / "checks", tmp_path / "reference" / "01-tiny"):
        folder.mkdir(parents=True)
    (kata / "kata.toml").write_text(
        'format = 1\nfiles = ["tiny.py"]\n[title]\nen = "Tiny"\nzh = "小"\n'
        '[summary]\nen = "Tiny"\nzh = "小"\n[hints]\nen = ["Double it."]\nzh = ["加倍。"]\n',
        encoding="utf-8",
    )
    (kata / "README.md").write_text("Double a number.\n")
    (kata / "README.zh.md").write_text("数字加倍。\n", encoding="utf-8")
    (kata / "checks" / "test_tiny.py").write_text(TINY_CHECK, encoding="utf-8")
    (kata / "checks" / "exercise_tiny.py").write_text(TINY_EXERCISE, encoding="utf-8")
    (kata / "stub" / "tiny.py").write_text(
        'def double(n, times=2):\n    raise NotImplementedError("exercise 1: double")\n'
    )
    (tmp_path / "reference" / "01-tiny" / "tiny.py").write_text("def double(n):\n    return n * 2\n")
    [verdict] = verify([Catalog.load(tmp_path / "katas").get("tiny")])
    assert verdict.problems == ["tiny.py: the stub has def double(n, times=…), the reference def double(n)"]


def test_a_kata_may_take_its_data_from_the_pack(pack: Path):
    (pack / "_shared" / "digits").mkdir(parents=True)
    _toml(pack, "format = 1", 'format = 1\ndata = "../_shared/digits"')
    kata = Catalog.load(pack).get("again")
    assert kata.data == (pack / "_shared" / "digits").resolve() and kata.data.is_dir()


def test_a_data_folder_outside_the_pack_is_refused(pack: Path):
    _toml(pack, "format = 1", 'format = 1\ndata = "../../elsewhere"')
    assert "field 'data' must name a folder inside the pack" in _error(pack)
