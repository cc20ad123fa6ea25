"""kata.toml problems are one clear error naming the file and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.catalog import Catalog, builtin_roots
from grader.errors import KataError


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    katas_root, reference_root = builtin_roots()
    shutil.copytree(katas_root / "01-tensors", tmp_path / "katas" / "01-tensors")
    shutil.copytree(reference_root / "01-tensors", tmp_path / "reference" / "01-tensors")
    return tmp_path / "katas"


def _edit(pack: Path, old: str, new: str) -> None:
    toml = pack / "01-tensors" / "kata.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_loads_a_pack(pack: Path):
    kata = Catalog.load(pack).get("tensors")
    assert kata.files == ("tensors.py",) and kata.order == 1 and len(kata.hints["zh"]) == len(kata.hints["en"])
    assert kata.reference == pack.parent / "reference" / "01-tensors"
    assert len(kata.mistakes) >= 3


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("format = 1", 'format = "one"', "field 'format' must be int"),
        ("format = 1", "format = 1\nid = 7", "field 'id' is 7 but the folder name says 'tensors'"),
        ('files = ["tensors.py"]', "files = []", "field 'files'"),
        ('zh = "张量', 'zz = "张量', "unknown field 'title.zz' (known: en, zh)"),
        ("check_timeout = ", "check_timout = ", "unknown field 'check_timout' (did you mean 'check_timeout'?)"),
        ("version = ", "vesion = ", "unknown field 'vesion' (did you mean 'version'?)"),
        ("[hints]", "[hints]\nhint = 1", "unknown field 'hints.hint' (known: en, exercises, zh)"),
        (
            "[title]",
            '[[equivalent_mutants]]\nid = "a"\nreson = "b"\n[title]',
            "'equivalent_mutants[0].reson' (did you mean 'reason'?)",
        ),
        ("timeout = 60", "timeout = [1]", "field 'timeout' must be float"),
        ("timeout = 60", "timeout = -1", "field 'timeout' must be more than 0"),
        ("timeout = 60", "timeout = inf", "field 'timeout' must be more than 0 and at most 86400"),
        ("[title]", '[[mistakes]]\nid = "x"\n[title]', "field 'mistakes' is no longer read"),
        ("[title]", "[title", "not valid TOML"),
    ],
)
def test_malformed_toml_names_file_and_field(pack: Path, old: str, new: str, message: str):
    _edit(pack, old, new)
    with pytest.raises(KataError) as error:
        Catalog.load(pack)
    assert "01-tensors/kata.toml" in str(error.value) and message in str(error.value)


def test_unknown_id_lists_the_known_ones(pack: Path):
    with pytest.raises(KataError, match="unknown kata 'nope'; the katas are: tensors") as error:
        Catalog.load(pack).get("nope")
    assert error.value.key == "unknown_kata"  # said in Chinese from its key, not by matching its English text


def test_empty_folder_is_an_error(tmp_path: Path):
    with pytest.raises(KataError, match="no katas found"):
        Catalog.load(tmp_path)


def test_katas_naming_the_pack_or_one_kata_says_where_the_katas_are(pack: Path):
    with pytest.raises(KataError, match=r"--katas names the folder of kata folders: .*/katas$"):
        Catalog.load(pack.parent)
    with pytest.raises(KataError, match=r"this is one kata's folder: --katas .*/katas$"):
        Catalog.load(pack / "01-tensors")
