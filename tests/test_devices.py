"""Device selection, simulated on a CPU-only machine: each accelerator present and absent, and a
torch without `torch.accelerator`."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
import torch

from grader import devices
from grader.errors import KataError


@pytest.fixture
def nothing_present(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    if hasattr(torch, "xpu"):
        monkeypatch.setattr(torch.xpu, "is_available", lambda: False)
    for vendor in ("npu", "mlu"):
        monkeypatch.delattr(torch, vendor, raising=False)
    monkeypatch.setattr(devices.importlib.util, "find_spec", lambda name: None)
    return monkeypatch


def test_cpu_only_machine(nothing_present):
    assert [d.name for d in devices.available()] == ["cpu"]
    assert devices.resolve("auto") == "cpu"
    assert devices.resolve("cpu") == "cpu"


@pytest.mark.parametrize("wanted", ["cuda", "cuda:1", "mps", "xpu", "npu", "mlu"])
def test_absent_device_is_a_one_line_error_listing_what_is_present(nothing_present, wanted):
    with pytest.raises(KataError) as error:
        devices.resolve(wanted)
    assert str(error.value) == f"device '{wanted}' is not present here; present: cpu"


def test_cuda_present(nothing_present):
    nothing_present.setattr(torch.cuda, "is_available", lambda: True)
    nothing_present.setattr(torch.cuda, "device_count", lambda: 2)
    assert [d.name for d in devices.available()] == ["cpu", "cuda:0", "cuda:1"]
    assert devices.resolve("auto") == "cuda"  # every GPU: the worker spreads jobs over them
    assert devices.resolve("cuda") == "cuda"
    assert devices.resolve("cuda:1") == "cuda:1"
    with pytest.raises(KataError, match="present: cpu, cuda:0, cuda:1"):
        devices.resolve("cuda:2")


@pytest.mark.parametrize("nvml_answers", [True, False])
def test_cuda_is_never_counted_here_when_nvml_cannot_answer(nothing_present, nvml_answers):
    """Seen on a GPU virtual machine: NVML failed, torch fell back to cudaGetDeviceCount, and every
    job the `kata` process forked after that failed to start CUDA. There a forked child counts."""
    asked_by = []

    def device_count():
        asked_by.append(os.getpid())  # a child's list is its own copy: this one shows only this process
        return 2

    nothing_present.setattr(torch.version, "cuda", "13.0")
    nothing_present.setattr(torch.cuda, "_device_count_nvml", lambda: 2 if nvml_answers else -1, raising=False)
    nothing_present.setattr(torch.cuda, "is_available", lambda: True)
    nothing_present.setattr(torch.cuda, "device_count", device_count)
    assert [d.name for d in devices.available()] == ["cpu", "cuda:0", "cuda:1"]
    assert asked_by == ([os.getpid()] if nvml_answers else [])


def test_a_question_asked_in_a_child_that_hangs_gets_the_default():
    import signal

    from grader import procs

    # a child that never answers; answer_in_child reaps it, so unless it was killed first this test
    # would hang until pytest-timeout fails it
    assert procs.answer_in_child(signal.pause, default=-1, seconds=0.5) == -1


def test_a_child_that_cannot_count_means_no_cuda(nothing_present):
    def broken():
        raise RuntimeError("CUDA driver initialization failed")

    nothing_present.setattr(torch.version, "cuda", "13.0")
    nothing_present.setattr(torch.cuda, "_device_count_nvml", lambda: -1, raising=False)
    nothing_present.setattr(torch.cuda, "is_available", broken)
    assert devices.resolve("auto") == "cpu"


def test_mps_present(nothing_present):
    nothing_present.setattr(torch.backends.mps, "is_available", lambda: True)
    assert devices.resolve("auto") == "mps"


@pytest.mark.parametrize("vendor", ["npu", "mlu"])
def test_vendor_backends_appear_once_their_extension_registers(nothing_present, vendor):
    fake = SimpleNamespace(is_available=lambda: True, device_count=lambda: 1)
    nothing_present.setattr(torch, vendor, fake, raising=False)
    assert devices.resolve("auto") == f"{vendor}:0"
    assert devices.resolve(vendor) == f"{vendor}:0"


def test_priority_is_cuda_first(nothing_present):
    nothing_present.setattr(torch.cuda, "is_available", lambda: True)
    nothing_present.setattr(torch.cuda, "device_count", lambda: 1)
    nothing_present.setattr(
        torch, "npu", SimpleNamespace(is_available=lambda: True, device_count=lambda: 1), raising=False
    )
    assert devices.resolve("auto") == "cuda:0"


def test_a_backend_that_raises_counts_as_absent(nothing_present):
    def broken():
        raise RuntimeError("driver too old")

    nothing_present.setattr(torch.cuda, "is_available", broken)
    assert devices.resolve("auto") == "cpu"


def test_torch_without_accelerator_api(monkeypatch):
    monkeypatch.delattr(torch, "accelerator", raising=False)
    assert devices.accelerator_api() is False
    assert devices.resolve("cpu") == "cpu"


def test_unknown_device_name():
    with pytest.raises(KataError, match="unknown device 'tpu'"):
        devices.resolve("tpu")


def test_jobs_fork_unless_this_process_started_an_accelerator(monkeypatch):
    from grader.launch import fork_is_safe

    assert fork_is_safe() is __import__("sys").platform.startswith("linux")
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    assert fork_is_safe() is False


def test_cuda_jobs_spread_over_every_gpu_with_a_memory_share(nothing_present, tmp_path):
    from grader.catalog import Catalog
    from grader.jobs import Job
    from grader.zygote import Supervisor

    nothing_present.setattr(torch.cuda, "is_available", lambda: True)
    nothing_present.setattr(torch.cuda, "device_count", lambda: 2)
    kata = Catalog.load().get("tensors")
    worker = Supervisor([kata], parallel=4, spawn=None)  # the zygote's placement, run here
    worker.uids = None  # placement only: no uid leases
    placements = []
    for _ in range(4):
        placement = worker._place(Job(kata, tmp_path, "cuda"))
        worker.busy[placement.device] = worker.busy.get(placement.device, 0) + 1
        placements.append(placement)
    assert sorted(p.device for p in placements) == ["cuda:0", "cuda:0", "cuda:1", "cuda:1"]
    assert all(p.memory_fraction == pytest.approx(0.9 / 2) for p in placements)
    assert worker._place(Job(kata, tmp_path, "cpu")).memory_fraction is None


@pytest.mark.slow
def test_probe_runs_a_job_on_each_device_under_the_real_limits():
    from grader import preflight

    answers = preflight.probe(["cpu"])
    assert list(answers) == ["cpu"] and answers["cpu"].full_marks and answers["cpu"].device == "cpu"


@pytest.mark.slow
def test_a_device_whose_jobs_cannot_start_is_a_failed_probe_not_a_stopped_doctor(forked_zygote, monkeypatch):
    """Seen on a GPU machine: a job's setup there failed ("Cannot re-initialize CUDA in forked
    subprocess"), and `kata doctor` stopped at that one error with nothing else shown."""
    from grader import doctor, preflight

    def cannot_start(device, fraction):
        raise RuntimeError("Cannot re-initialize CUDA in forked subprocess")

    monkeypatch.setattr(devices, "claim", cannot_start)  # reaches the children of the forked zygote
    answers = preflight.probe(["cpu"])
    assert isinstance(answers["cpu"], preflight.GraderFailure)
    text = doctor._probe_text(answers["cpu"], "en")
    assert text.startswith("FAILED") and "Cannot re-initialize CUDA" in text, text


def test_cpu_jobs_hide_every_accelerator_runtime(tmp_path):
    from grader.sandbox import Limits, job_environment

    parent = {"CUDA_VISIBLE_DEVICES": "0,1", "PATH": "/usr/bin", "AWS_SECRET_ACCESS_KEY": "k", "LC_ALL": "C.UTF-8"}
    on_cpu = job_environment(parent, tmp_path, "cpu", 200_001, Limits())
    assert on_cpu["CUDA_VISIBLE_DEVICES"] == "" and on_cpu["ASCEND_RT_VISIBLE_DEVICES"] == ""
    assert on_cpu["MLU_VISIBLE_DEVICES"] == "" and on_cpu["HIP_VISIBLE_DEVICES"] == ""
    assert "AWS_SECRET_ACCESS_KEY" not in on_cpu and on_cpu["LC_ALL"] == "C.UTF-8"
    assert on_cpu["USER"] == on_cpu["LOGNAME"] == "kata200001"  # the uid has no passwd entry
    on_gpu = job_environment(parent, tmp_path, "cuda:1", 200_001, Limits())
    assert on_gpu["CUDA_VISIBLE_DEVICES"] == "0,1"
