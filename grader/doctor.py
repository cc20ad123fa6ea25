"""`kata doctor`: what this machine offers the grader, as rows a learner can paste into a help request."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import platform
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from grader import device_memory, devices
from grader.i18n import pick, say, status_word, translate
from grader.results import KataResult
from grader.workspace import find_root

if TYPE_CHECKING:
    from grader.runner import GraderFailure

PACKAGES = ("torch", "numpy", "pytest", "pytest-timeout", "typer", "tabulate", "watchfiles", "wcwidth")


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "MISSING"


def _device_rows(lang: str) -> list[tuple[str, str]]:
    from grader import preflight

    present = [info.name for info in devices.available()]
    # the probe forks its jobs, so it runs before `describe` may start an accelerator runtime here
    probes = preflight.probe(present)
    rows = []
    for name in present:
        rows.append((say("doctor_device", lang, name=name), devices.describe(name)))
        rows.append((say("doctor_probe", lang, name=name), _probe_text(probes.get(name), lang)))
    for kind in dict.fromkeys(name.split(":")[0] for name in present if name != "cpu"):
        shared = "set" if devices.memory_share_call(kind) is not None else "absent"
        share = round(100 * devices.DEVICE_MEMORY_SHARE)
        rows.append(
            (pick(_MEMORY_SHARE, lang).format(kind=kind), pick(_MEMORY_SHARE_STATES[shared], lang).format(share=share))
        )
    if any(name.startswith("cuda") for name in present):
        rows.append((pick(_GPU_WATCH, lang), _gpu_watch_text(lang)))
    api = "doctor_yes" if devices.accelerator_api() else "doctor_older_torch"
    rows.append((say("doctor_accelerator_api", lang), say(api, lang)))
    rows.append((say("doctor_auto", lang), devices.resolve("auto")))
    return rows


_MEMORY_SHARE = {"en": devices.MEMORY_SHARE_PROTECTION, "zh": "每个作业在 {kind} 上的显存份额"}
_MEMORY_SHARE_STATES = {
    "set": {
        "en": "set inside each job (jobs on one device split {share} % of its memory)",
        "zh": "在每个作业内设置（同一设备上的作业平分其 {share}% 的显存）",
    },
    "absent": {
        "en": "not active: this torch cannot cap a process's share of this device",
        "zh": "未生效：这个 torch 无法限制单个进程在该设备上的显存份额",
    },
}
_GPU_WATCH = {
    "en": device_memory.WATCH_PROTECTION,
    "zh": "从作业外监视其 GPU 显存份额（NVML）",
}
_GPU_WATCH_STATES = {
    "no_nvml": {"en": "not active: no NVIDIA management library (NVML)", "zh": "未生效：没有 NVIDIA 管理库（NVML）"},
    "ids_differ": {
        "en": "not active: NVML lists other process ids (a container with process ids of its own?)",
        "zh": "未生效：NVML 列出的进程号与这里的不同（容器有自己的进程号？）",
    },
    "unchecked": {"en": "not checked: CUDA did not start", "zh": "未检查：CUDA 未能启动"},
}


def _gpu_watch_text(lang: str) -> str:
    state = device_memory.check_watch()
    if state is device_memory.Watch.ACTIVE:
        return say("doctor_active", lang)
    return pick(_GPU_WATCH_STATES[state.value], lang)


def _probe_text(result: KataResult | GraderFailure | None, lang: str) -> str:
    """ok and how long it took, or FAILED and why, in the learner's language."""
    from grader.runner import GraderFailure

    if result is None:
        return say("doctor_probe_failed", lang, why=say("no_result", lang))
    if isinstance(result, GraderFailure):  # the job could not start there: the device's setup failed
        return say("doctor_probe_failed", lang, why=translate(str(result), lang))
    if result.full_marks:
        return say("doctor_probe_ok", lang, seconds=f"{result.duration:.1f}")
    failing = result.first_failure()
    why = failing.localized_message(lang) if failing else translate(result.status_message, lang)
    why = say("doctor_probe_status", lang, status=status_word(result.status, lang), why=why)
    return say("doctor_probe_failed", lang, why=why)


def _protection_rows(lang: str) -> list[tuple[str, str]]:
    from grader import sandbox

    isolation = "doctor_isolation_fork" if sys.platform.startswith("linux") else "doctor_isolation_spawn"
    rows = [
        (say("doctor_isolation", lang), say(isolation, lang)),
        (say("doctor_rlimits", lang), say("doctor_rlimits_set" if hasattr(os, "setsid") else "doctor_none", lang)),
    ]
    rows += [
        (
            say("doctor_protection", lang, name=pick({"en": name, "zh": PROTECTIONS_ZH.get(name, "")}, lang)),
            say("doctor_active" if on else "doctor_not_active", lang),
        )
        for name, on in sandbox.protections().items()
    ]
    if sandbox.DROPS_PRIVILEGES and not sandbox.PYTHON_READABLE:
        confined = "doctor_install_confined" if sandbox.LANDLOCK else "doctor_install_unconfined"
        rows.append((say("doctor_install", lang), say(confined, lang)))
    return rows


# sandbox.protections()'s names are identifiers kept in every result (English); this is how a Chinese
# learner reads them.
PROTECTIONS_ZH: dict[str, str] = {
    "separate process per job, all its processes killed afterwards": "每个作业一个独立进程，结束后杀掉它的所有进程",
    "memory and disk counted over all of the job's processes": "内存和磁盘用量按作业的全部进程合计",
    "data queued in the job's sockets counted in its memory": "作业套接字中排队的数据计入其内存用量",
    "throwaway user per job": "每个作业一个临时用户",
    "process cap (fork and thread bombs)": "进程数上限（防 fork 炸弹和线程炸弹）",
    "no network": "禁止联网",
    "shared memory (/dev/shm, System V) private to the job and size-capped": "共享内存（/dev/shm、System V）为作业私有且有大小上限",
    "no signals to other processes": "不能向其他进程发信号",
    "reads and writes limited to the job folder and the Python install": "读写仅限作业文件夹和 Python 安装目录",
    "no namespaces of its own (which could hide sockets from the memory count)": "不能创建自己的命名空间（否则可藏起套接字，逃过内存统计）",
}


def report(workspace: Path | None, lang: str = "en") -> list[tuple[str, str]]:
    rows = [
        (say("doctor_python", lang), f"{platform.python_version()} ({sys.executable})"),
        (say("doctor_platform", lang), platform.platform()),
        (say("doctor_cores", lang), str(os.cpu_count())),
    ]
    rows += [(package, _version(package)) for package in PACKAGES]
    rows += _device_rows(lang)
    rows += _protection_rows(lang)
    root = find_root(workspace)
    rows.append(
        (
            say("doctor_workspace", lang),
            f"{root}" + ("" if (root / ".kata").is_dir() else say("doctor_not_created", lang)),
        )
    )
    return rows
