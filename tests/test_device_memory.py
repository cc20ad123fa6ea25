"""The GPU memory watch from outside the jobs, on a CPU-only machine: a stand-in NVML library (built
from tests/fake_nvml/fake_nvml.c) reports one GPU on which every process named "gpu-holder" holds a
set amount of memory. The real library is used on a machine with an NVIDIA driver."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from grader import device_memory
from grader.device_memory import CONTEXT_ALLOWANCE_BYTES, DeviceMemory, GpuSample, over_share

MIB = 1 << 20
GIB = 1 << 30


@pytest.fixture(scope="session")
def fake_nvml_folder(tmp_path_factory) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler here to build the stand-in NVML library")
    folder = tmp_path_factory.mktemp("nvml")
    source = Path(__file__).parent / "fake_nvml" / "fake_nvml.c"
    subprocess.run([compiler, "-shared", "-fPIC", "-o", folder / "libnvidia-ml.so.1", source], check=True)
    return folder


@pytest.fixture
def fake_gpu(fake_nvml_folder, monkeypatch):
    """One 16 GiB GPU; each "gpu-holder" holds what `holding(mb)` says (the sampler reads it at start)."""
    monkeypatch.setenv("LD_LIBRARY_PATH", str(fake_nvml_folder))
    monkeypatch.setenv("FAKE_NVML_TOTAL_MB", "16384")

    def holding(mb: int) -> None:
        monkeypatch.setenv("FAKE_NVML_USED_MB", str(mb))

    holding(100)
    return holding


def _named(pid: int) -> bool:
    return Path(f"/proc/{pid}/comm").read_text() == "gpu-holder\n"


@pytest.fixture
def gpu_holders(tmp_path):
    """Processes named "gpu-holder" (a copy of sleep under that name), killed afterwards."""
    binary = tmp_path / "gpu-holder"
    shutil.copy(shutil.which("sleep"), binary)
    started: list[subprocess.Popen] = []

    def start(count: int) -> list[int]:
        started.extend(subprocess.Popen([binary, "60"]) for _ in range(count))
        pids = [p.pid for p in started[-count:]]
        deadline = time.monotonic() + 30
        while not all(_named(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.01)  # Popen returns at the fork; the name comes with the exec
        return pids

    yield start
    for process in started:
        process.kill()
        process.wait()


def test_a_job_over_its_share_plus_a_context_per_process():
    gpu = GpuSample(total=16 * GIB, used={10: 5 * GIB // 2, 11: 3 * GIB // 2, 99: 15 * GIB})
    share = 0.1  # 1.6 GiB of tensors, and a CUDA context for each of the job's processes
    assert not over_share([gpu], [10], share)  # 2.5 GiB <= 1.6 + 1
    assert over_share([gpu], [10, 11], share)  # 4 GiB > 1.6 + 2 * 1
    assert not over_share([gpu], [12, 13], share)  # holds nothing: 99 is another job's
    assert over_share([GpuSample(GIB, {}), gpu], [99], share)  # any GPU past its share counts
    assert CONTEXT_ALLOWANCE_BYTES == GIB


def test_no_nvidia_driver_means_no_sampler(monkeypatch, tmp_path):
    monkeypatch.setenv("LD_LIBRARY_PATH", str(tmp_path))  # nothing there, and no driver on this machine
    if Path("/proc/driver/nvidia").exists():
        pytest.skip("this machine has an NVIDIA driver")
    assert DeviceMemory.start() is None


def test_the_sampler_reads_each_process_memory(fake_gpu, gpu_holders):
    fake_gpu(300)
    sampler = DeviceMemory.start()
    assert sampler is not None and sampler.gpus == 1
    try:
        holders = gpu_holders(11)  # more than the first try's room: NVML answers "insufficient size"
        [gpu] = sampler.sample()
        assert gpu.total == 16 * GIB
        assert {pid: gpu.used.get(pid) for pid in holders} == {pid: 300 * MIB for pid in holders}
        assert device_memory.watching_pid(sampler, holders[0])
    finally:
        sampler.close()
    assert sampler.sample() is None  # a stopped sampler answers nothing, and the watch is off


_HOLDER_SOLUTION = """
import ctypes, time
ctypes.CDLL(None).prctl(15, b"gpu-holder", 0, 0, 0)  # PR_SET_NAME: the stand-in NVML's sign
time.sleep({seconds})
"""


@pytest.mark.slow  # a worker of its own, forked with the GPU placement
@pytest.mark.parametrize(("held_mb", "seconds", "killed"), [(4096, 60, True), (200, 2, False)])
def test_a_job_past_its_gpu_share_is_oom_for_itself(
    fake_gpu, forked_zygote, tensors, tmp_path, monkeypatch, held_mb, seconds, killed
):
    """Placed on a (simulated) GPU with a 5 % share of 16 GiB: holding 4 GiB is past 0.8 GiB plus a
    context, so the zygote kills the job as `oom`, said as the GPU's share (unseen, it would hold on to its time limit);
    200 MiB is within it, and the job runs to its end."""
    from grader import devices
    from grader.jobs import Placement
    from grader.runner import grade
    from grader.worker import Worker
    from grader.zygote import Supervisor

    fake_gpu(held_mb)
    placing = Supervisor._place

    def on_the_gpu(self, job):
        return Placement("cuda:0", placing(self, job).uid, 0.05)

    monkeypatch.setattr(Supervisor, "_place", on_the_gpu)
    monkeypatch.setattr(devices, "claim", lambda device, fraction: None)  # no CUDA in this torch
    folder = tmp_path / "solution"
    folder.mkdir()
    reference = (tensors.reference / "tensors.py").read_text()
    (folder / "tensors.py").write_text(reference + textwrap.dedent(_HOLDER_SOLUTION.format(seconds=seconds)))
    worker = Worker([tensors])  # its zygote is forked now, with the placement above
    try:
        result = grade(tensors, folder, worker=worker)
    finally:
        worker.close()
    # within its share the job runs to its end (this torch has no CUDA: a check moving to cuda:0 fails)
    assert result.status == "oom" if killed else result.status in ("passed", "failed"), result.status_message
    # said as the GPU's memory, not the machine's memory limit the job never reached
    assert not killed or all("share of the GPU's memory" in check.message for check in result.checks)


_NAMED_HOLDER = (
    "import ctypes, sys; ctypes.CDLL(None).prctl(15, b'gpu-holder', 0, 0, 0); print(flush=True); sys.stdin.read()"
)
_UNNAMED_HOLDER = "import sys; print(flush=True); sys.stdin.read()"


def test_the_watch_checks_that_it_sees_a_process_holding_gpu_memory(fake_gpu, monkeypatch, tmp_path):
    """`kata doctor`'s question: does NVML list a process of ours that holds memory?"""
    import sys

    Watch = device_memory.Watch
    assert device_memory.check_watch([sys.executable, "-c", _NAMED_HOLDER]) is Watch.ACTIVE
    # NVML answers, but not with our process ids (as in a container with ids of its own)
    assert device_memory.check_watch([sys.executable, "-c", _UNNAMED_HOLDER]) is Watch.IDS_DIFFER
    # CUDA did not start in the holder: nothing could be looked for
    assert device_memory.check_watch([sys.executable, "-c", "raise SystemExit(1)"]) is Watch.UNCHECKED
    monkeypatch.setenv("LD_LIBRARY_PATH", str(tmp_path))
    if not Path("/proc/driver/nvidia").exists():
        assert device_memory.check_watch() is Watch.NO_NVML


@pytest.mark.slow  # a worker of its own
def test_cpu_jobs_never_start_a_sampler(forked_zygote, tensors, tmp_path, monkeypatch):
    """Only an NVIDIA job starts one: CPU grading (every learner's laptop) pays no interpreter for it."""
    from grader.runner import grade
    from grader.worker import Worker

    started = tmp_path / "sampler-started"
    monkeypatch.setattr(DeviceMemory, "start", classmethod(lambda cls: started.touch()))
    worker = Worker([tensors])  # its zygote is forked now, with the patch above
    try:
        grade(tensors, tensors.reference, worker=worker)
    finally:
        worker.close()  # the zygote's end must not start one either
    assert not started.exists()
