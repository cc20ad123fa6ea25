"""The GPU memory each process holds, read from outside the jobs through NVIDIA's NVML.

A job's share of a GPU is set inside the job (`devices.claim`), where learner code could raise it and
leave a classmate on the same GPU without memory. The zygote checks the share from outside as well:
this module's sampler, a process of its own, reads how much memory every process holds on every
NVIDIA GPU, and the zygote adds up each job's processes (`over_share`).

The sampler is a separate, freshly started interpreter so that NVML's state (its open device files)
is never inherited by the children the zygote forks. It answers one JSON line per request line:
one [total bytes, [[pid, bytes], ...]] per GPU. NVML's process ids are those of the machine's first
process namespace: a grader inside a container that does not share the machine's process ids sees
no process of its own, and `kata doctor` says the watch is not active there.
"""

from __future__ import annotations

import ctypes
import enum
import json
import selectors
import subprocess
import sys
from dataclasses import dataclass

from grader import launch

# CUDA's own context (kernels, cuBLAS handles) is held by the process but not counted by the
# allocator's share, which caps only the tensors' memory.
CONTEXT_ALLOWANCE_BYTES = 1 << 30
WATCH_PROTECTION = "GPU memory share watched from outside the job (NVML)"  # as doctor and batch say it
_START_SECONDS = 30.0  # for its first line: a busy machine may take long to start an interpreter
_REPLY_SECONDS = 5.0  # a sampler slower than this to answer is stopped, and the watch with it
_NVML_LIBRARY = "libnvidia-ml.so.1"
_SUCCESS = 0
_INSUFFICIENT_SIZE = 7
_NOT_AVAILABLE = 2**64 - 1  # usedGpuMemory where the driver does not tell (Windows WDDM, some MIG setups)


@dataclass(frozen=True)
class GpuSample:
    total: int  # bytes of memory on this GPU
    used: dict[int, int]  # process id -> bytes it holds here


def over_share(samples: list[GpuSample], pids: list[int], fraction: float) -> bool:
    """Whether the processes `pids` (one job) hold more than `fraction` of some GPU's memory,
    plus what each CUDA context takes beside its tensors."""
    members = set(pids)
    for gpu in samples:
        held = [used for pid, used in gpu.used.items() if pid in members]
        if sum(held) > fraction * gpu.total + CONTEXT_ALLOWANCE_BYTES * len(held):
            return True
    return False


# --- the sampler process --------------------------------------------------------------------------


class _Memory(ctypes.Structure):
    _fields_ = [("total", ctypes.c_ulonglong), ("free", ctypes.c_ulonglong), ("used", ctypes.c_ulonglong)]


class _ProcessInfo(ctypes.Structure):  # nvmlProcessInfo_t of the _v2 and _v3 calls
    _fields_ = [
        ("pid", ctypes.c_uint),
        ("usedGpuMemory", ctypes.c_ulonglong),
        ("gpuInstanceId", ctypes.c_uint),
        ("computeInstanceId", ctypes.c_uint),
    ]


class _ProcessInfoV1(ctypes.Structure):  # drivers older than 470 know only this one
    _fields_ = [("pid", ctypes.c_uint), ("usedGpuMemory", ctypes.c_ulonglong)]


class _Nvml:
    def __init__(self, library: ctypes.CDLL):
        self.library = library
        self.handles = []
        count = ctypes.c_uint(0)
        if library.nvmlDeviceGetCount_v2(ctypes.byref(count)) == _SUCCESS:
            for index in range(count.value):
                handle = ctypes.c_void_p()
                if library.nvmlDeviceGetHandleByIndex_v2(index, ctypes.byref(handle)) == _SUCCESS:
                    self.handles.append(handle)
        # CUDA processes are compute ones; some setups (WSL) list them as graphics ones
        self.process_calls = {
            call: [
                (getattr(library, f"nvmlDevice{call}{version}"), record)
                for version, record in (("_v3", _ProcessInfo), ("_v2", _ProcessInfo), ("", _ProcessInfoV1))
                if hasattr(library, f"nvmlDevice{call}{version}")
            ]
            for call in ("GetComputeRunningProcesses", "GetGraphicsRunningProcesses")
        }

    @classmethod
    def open(cls) -> _Nvml | None:
        try:
            library = ctypes.CDLL(_NVML_LIBRARY)
        except OSError:  # no NVIDIA driver on this machine
            return None
        return cls(library) if library.nvmlInit_v2() == _SUCCESS else None

    def sample(self) -> list[list]:
        return [self._sample(handle) for handle in self.handles]

    def _sample(self, handle: ctypes.c_void_p) -> list:
        memory = _Memory()
        if self.library.nvmlDeviceGetMemoryInfo(handle, ctypes.byref(memory)) != _SUCCESS:
            return [0, []]
        used: dict[int, int] = {}
        for versions in self.process_calls.values():
            # the newest version this driver answers (older drivers lack the newer ones' symbols)
            processes = next(
                (found for call, record in versions if (found := _processes(call, record, handle)) is not None), []
            )
            for process in processes:
                if process.usedGpuMemory != _NOT_AVAILABLE:
                    used[process.pid] = max(used.get(process.pid, 0), process.usedGpuMemory)
        return [memory.total, sorted(used.items())]


def _processes(call, record: type[ctypes.Structure], handle: ctypes.c_void_p) -> list | None:
    """The processes one NVML call lists, or None where it fails."""
    count = ctypes.c_uint(0)
    for _ in range(4):  # processes may start between learning the count and reading them
        room = count.value + 8
        found = (record * room)()
        count = ctypes.c_uint(room)
        answer = call(handle, ctypes.byref(count), found)
        if answer == _SUCCESS:
            return list(found[: count.value])
        if answer != _INSUFFICIENT_SIZE:
            return None
    return None


def _spawned_main() -> None:
    """The sampler: a hello line (how many GPUs, or null without NVML), then a sample per request."""
    nvml = _Nvml.open()
    print(json.dumps(len(nvml.handles) if nvml else None), flush=True)
    if nvml is None:
        return  # DeviceMemory.start stops here too: there is nothing to watch
    for _ in sys.stdin:
        print(json.dumps(nvml.sample()), flush=True)


# --- the zygote's end -----------------------------------------------------------------------------


class DeviceMemory:
    """A running sampler. `sample()` returns None once it has failed; the watch is then off."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.selector = selectors.DefaultSelector()
        self.selector.register(process.stdout, selectors.EVENT_READ)
        self.gpus = self._reply(_START_SECONDS)

    @classmethod
    def start(cls) -> DeviceMemory | None:
        """A sampler, or None where NVML cannot be read (no NVIDIA driver)."""
        process = subprocess.Popen(
            launch.python_command("grader.device_memory", ""),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C meant for the class stops the zygote, which stops this
        )
        sampler = cls(process)
        if not sampler.gpus:
            sampler.close()
            return None
        return sampler

    @property
    def pid(self) -> int:
        return self.process.pid

    def sample(self) -> list[GpuSample] | None:
        if self.process.poll() is not None:
            return None
        try:
            self.process.stdin.write(b"\n")
            self.process.stdin.flush()
        except OSError:
            return None
        reply = self._reply(_REPLY_SECONDS)
        if reply is None:
            self.close()
            return None
        return [GpuSample(total, dict(used)) for total, used in reply]

    def _reply(self, seconds: float):
        if not self.selector.select(seconds):
            return None
        line = self.process.stdout.readline()
        try:
            return json.loads(line) if line else None
        except ValueError:
            return None

    def close(self) -> None:
        self.selector.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            stream.close()


def watching_pid(sampler: DeviceMemory, pid: int) -> bool:
    """Whether NVML lists `pid` among the processes holding GPU memory (process ids match)."""
    return any(pid in gpu.used for gpu in sampler.sample() or [])


class Watch(enum.Enum):
    ACTIVE = "active"
    NO_NVML = "no_nvml"  # no NVIDIA driver library: nothing to read
    IDS_DIFFER = "ids_differ"  # NVML does not list our processes: a container with process ids of its own
    UNCHECKED = "unchecked"  # CUDA did not start, so there was nothing to look for


# holds a little GPU memory, says so with a line, and waits until its stdin closes
_CUDA_HOLDER = "import sys, torch; torch.ones(1, device='cuda'); print(flush=True); sys.stdin.read()"


def check_watch(holder: list[str] | None = None) -> Watch:
    """Whether the watch would see a job here: a process that holds GPU memory is looked for in NVML."""
    sampler = DeviceMemory.start()
    if sampler is None:
        return Watch.NO_NVML
    process = subprocess.Popen(
        holder or [sys.executable, "-c", _CUDA_HOLDER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        holding = bool(process.stdout.readline())  # empty: it died before holding anything
        seen = holding and watching_pid(sampler, process.pid)
    finally:
        process.kill()
        process.wait()
        process.stdin.close()
        process.stdout.close()
        sampler.close()
    if not holding:
        return Watch.UNCHECKED
    return Watch.ACTIVE if seen else Watch.IDS_DIFFER
