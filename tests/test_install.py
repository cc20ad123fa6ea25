"""A non-editable install finds every kata from an unrelated folder (katas/ and reference/ are package
data), whether this environment holds an editable install or the README's own `pip install .`; and
every file the source distribution names exists."""

from __future__ import annotations

import site
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

from grader.catalog import Catalog

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding this project's wheel (as `pip install .` installs it), and this environment's
    torch & co."""
    tmp_path = tmp_path_factory.mktemp("install")
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    [wheel] = wheels.glob("torch_katas-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # Reuse this environment's torch & co. instead of downloading them again: a .pth file adds
    # our site-packages after the new venv's own, so the wheel's copy of `grader` wins.
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # (every site-packages folder on this sys.path, those added by .pth files included)
    outer = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    Path(purelib, "_outer.pth").write_text("\n".join(outer or site.getsitepackages()) + "\n")
    # --ignore-installed: after the README's `pip install .` the outer torch-katas is visible through
    # the .pth file, and pip would otherwise call the wheel "already installed" and skip it
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--ignore-installed", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return env_dir


@pytest.mark.slow
def test_wheel_install_lists_every_kata(installed: Path, tmp_path: Path):
    env_dir, python = installed, installed / "bin" / "python"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    located = subprocess.run(
        [str(python), "-c", "import grader; print(grader.__file__)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(env_dir) in located  # the installed copy, not this checkout
    listed = subprocess.run(
        [str(env_dir / "bin" / "kata"), "--lang", "en", "list"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    for kata in Catalog.load(ROOT / "katas"):
        assert kata.id in listed.stdout
    started = subprocess.run(
        [str(env_dir / "bin" / "kata"), "start", "tensors"], cwd=elsewhere, capture_output=True, text=True, timeout=120
    )
    assert started.returncode == 0 and (elsewhere / "kata-workspace" / "tensors" / "tensors.py").is_file()


def test_the_source_distribution_names_only_existing_files():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for name in config["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]:
        assert (ROOT / name).exists(), f"pyproject.toml's sdist includes {name}, which does not exist"


@pytest.mark.slow
def test_wheel_install_exports_a_gradescope_autograder(installed: Path, tmp_path: Path):
    """docs/INSTRUCTOR.md's `kata export gradescope`, run where the README's `pip install .` put kata."""
    exported = subprocess.run(
        [str(installed / "bin" / "kata"), "--lang", "en", "export", "gradescope", "--only", "tensors"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "autograder.zip").is_file()
