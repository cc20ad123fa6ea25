"""`kata doctor`: it runs and exits 0, its probe row says whether a real job computed on each device,
and its rows say what is missing or not yet created instead of failing."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader import doctor, preflight
from grader.i18n import say


def _rows(text: str) -> dict[str, str]:
    """tabulate's two columns back as label -> value (labels and values are separated by 2+ spaces)."""
    rows = {}
    for line in text.splitlines():
        label, sep, value = line.partition("  ")
        if sep and not set(line) <= {"-", " "}:
            rows[label.strip()] = value.strip()
    return rows


@pytest.fixture(scope="module")
def run_doctor(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")

    def run(*args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "COLUMNS": "250", "HOME": str(home)}
        return subprocess.run(
            [sys.executable, "-m", "grader", *args, "doctor"],
            cwd=home,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    return run, home


@pytest.mark.slow  # a fresh interpreter imports torch and grades the probe kata in a child
def test_doctor_runs_and_the_cpu_probe_computes(run_doctor):
    run, home = run_doctor
    out = run("--lang", "en")
    assert out.returncode == 0, out.stderr
    rows = _rows(out.stdout)
    assert rows["probe cpu"].startswith("ok ("), out.stdout  # a real job graded the probe kata on the CPU
    assert rows["device cpu"]
    assert rows["torch"] == importlib.metadata.version("torch")
    assert rows["python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert rows["cpu cores"] == str(os.cpu_count())
    assert rows["workspace"] == f"{home / 'kata-workspace'} (not created yet)"
    assert any(label.startswith("protection: ") for label in rows)


def test_doctor_speaks_chinese_and_sees_a_workspace(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(preflight, "probe", lambda names: {n: "ok (0.1 s)" for n in names})
    (tmp_path / ".kata").mkdir()
    rows = dict(doctor.report(tmp_path, "zh"))
    assert rows[say("doctor_probe", "zh", name="cpu")] == "ok (0.1 s)"
    assert rows[say("doctor_workspace", "zh")] == str(tmp_path.resolve())


def test_a_probe_that_fails_or_gives_no_answer_is_a_row_not_a_crash(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(preflight, "probe", lambda names: {})
    rows = dict(doctor.report(tmp_path, "en"))
    assert rows["probe cpu"] == "FAILED: no result"

    monkeypatch.setattr(preflight, "probe", lambda names: {n: "FAILED: crashed (exit 139)" for n in names})
    assert dict(doctor.report(tmp_path, "en"))["probe cpu"] == "FAILED: crashed (exit 139)"


def test_a_missing_package_is_named_missing(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(preflight, "probe", lambda names: {n: "ok (0.1 s)" for n in names})
    monkeypatch.setattr(doctor, "PACKAGES", ("torch", "surely-not-installed-package"))
    rows = dict(doctor.report(tmp_path, "en"))
    assert rows["surely-not-installed-package"] == "MISSING" and rows["torch"] != "MISSING"
