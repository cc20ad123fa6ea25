"""`kata doctor`: it runs and exits 0, its probe row says whether a real job computed on each device,
and its rows say what is missing or not yet created instead of failing."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from grader import device_memory, devices, doctor, preflight, sandbox
from grader.bilingual import untranslated
from grader.i18n import say
from grader.results import CRASHED, PASSED, CheckResult, KataResult


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


def _probed(status: str, message: str = "") -> KataResult:
    """The probe kata's result on one device, as `preflight.probe` gives it."""
    check = CheckResult("test_device_computes", "t", "t", 1.0 if status == PASSED else 0.0, 1.0, status, message)
    return KataResult("probe", 1, status, message, [check], "cpu", "2.13", duration=0.1)


def test_doctor_speaks_chinese_and_sees_a_workspace(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(preflight, "probe", lambda names: {n: _probed(PASSED) for n in names})
    (tmp_path / ".kata").mkdir()
    rows = dict(doctor.report(tmp_path, "zh"))
    assert rows[say("doctor_probe", "zh", name="cpu")] == "正常（0.1 秒）"
    assert rows[say("doctor_workspace", "zh")] == str(tmp_path.resolve())
    assert not any(
        untranslated(f"{label} {value}") for label, value in rows.items() if "protection" in label or "防护" in label
    )
    shown = [value for label, value in rows.items() if label.startswith("防护：")]
    assert shown and set(shown) <= {"已生效", "未生效"}
    assert all(name in doctor.PROTECTIONS_ZH for name in sandbox.protections())


def test_a_probe_that_fails_or_gives_no_answer_is_a_row_not_a_crash(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(preflight, "probe", lambda names: {})
    rows = dict(doctor.report(tmp_path, "en"))
    assert rows["probe cpu"] == "FAILED: no result was reported for this check"

    crashed = _probed(CRASHED, "the grading process was killed by SIGSEGV (did your code kill it or crash?)")
    monkeypatch.setattr(preflight, "probe", lambda names: {n: crashed for n in names})
    assert dict(doctor.report(tmp_path, "en"))["probe cpu"] == (
        "FAILED: crashed, the grading process was killed by SIGSEGV (did your code kill it or crash?)"
    )
    assert dict(doctor.report(tmp_path, "zh"))[say("doctor_probe", "zh", name="cpu")] == (
        "失败：崩溃，评分进程被 SIGSEGV 终止（是你的代码终止了它，还是崩溃了？）"
    )


def test_a_missing_package_is_named_missing(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(preflight, "probe", lambda names: {n: _probed(PASSED) for n in names})
    monkeypatch.setattr(doctor, "PACKAGES", ("torch", "surely-not-installed-package"))
    rows = dict(doctor.report(tmp_path, "en"))
    assert rows["surely-not-installed-package"] == "MISSING" and rows["torch"] != "MISSING"


@pytest.mark.parametrize(
    ("state", "en", "zh"),
    [
        ("ACTIVE", "active", "已生效"),
        ("NO_NVML", "not active: no NVIDIA management library (NVML)", "未生效：没有 NVIDIA 管理库（NVML）"),
        ("UNCHECKED", "not checked: CUDA did not start", "未检查：CUDA 未能启动"),
    ],
)
def test_a_gpu_machine_says_whether_its_memory_share_is_watched(monkeypatch, tmp_path: Path, state, en, zh):
    monkeypatch.setattr(devices, "available", lambda: [devices.DeviceInfo("cpu"), devices.DeviceInfo("cuda:0")])
    monkeypatch.setattr(preflight, "probe", lambda names: {n: _probed(PASSED) for n in names})
    monkeypatch.setattr(device_memory, "check_watch", lambda: device_memory.Watch[state])
    label = "GPU memory share watched from outside the job (NVML)"
    assert dict(doctor.report(tmp_path, "en"))[label] == en
    assert dict(doctor.report(tmp_path, "zh"))["从作业外监视其 GPU 显存份额（NVML）"] == zh


def test_a_machine_without_a_gpu_has_no_gpu_watch_row(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(preflight, "probe", lambda names: {n: _probed(PASSED) for n in names})
    monkeypatch.setattr(devices, "available", lambda: [devices.DeviceInfo("cpu")])
    assert not any("NVML" in label for label in dict(doctor.report(tmp_path, "en")))


def test_each_accelerator_kind_says_whether_a_job_gets_a_share_of_its_memory(monkeypatch, tmp_path: Path):
    present = [devices.DeviceInfo(name) for name in ("cpu", "xpu:0", "xpu:1", "mps")]
    monkeypatch.setattr(devices, "available", lambda: present)
    monkeypatch.setattr(preflight, "probe", lambda names: {n: _probed(PASSED) for n in names})
    monkeypatch.delattr(torch.xpu, "set_per_process_memory_fraction")
    rows = dict(doctor.report(tmp_path, "en"))
    assert rows["memory share per job on xpu"].startswith("not active: this torch cannot cap")
    assert rows["memory share per job on mps"].startswith("set inside each job")
    assert not any("NVML" in label for label in rows)  # no NVIDIA GPU: nothing to watch from outside
    assert dict(doctor.report(tmp_path, "zh"))["每个作业在 xpu 上的显存份额"].startswith("未生效")
