"""`kata doctor`: what this machine offers the grader, as rows a learner can paste into a help request."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import platform
import sys
from pathlib import Path

from grader.i18n import say
from grader.workspace import find_root

PACKAGES = ("torch", "numpy", "pytest", "pytest-timeout", "typer", "tabulate", "watchfiles", "wcwidth")


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "MISSING"


def _device_rows(lang: str) -> list[tuple[str, str]]:
    from grader import devices, preflight

    present = [info.name for info in devices.available()]
    # the probe forks its jobs, so it runs before `describe` may start an accelerator runtime here
    probes = preflight.probe(present)
    rows = []
    for name in present:
        rows.append((say("doctor_device", lang, name=name), devices.describe(name)))
        rows.append((say("doctor_probe", lang, name=name), probes.get(name, "FAILED: no result")))
    rows.append((say("doctor_accelerator_api", lang), "yes" if devices.accelerator_api() else "no (older torch)"))
    rows.append((say("doctor_auto", lang), devices.resolve("auto")))
    return rows


def _protection_rows(lang: str) -> list[tuple[str, str]]:
    from grader import sandbox

    fork = "fork from a warm worker" if sys.platform.startswith("linux") else "fresh spawned process per job"
    rows = [
        (say("doctor_isolation", lang), f"one child per job ({fork}), killed as a process group at the deadline"),
        (
            say("doctor_rlimits", lang),
            "CPU seconds, file size, no core dumps (no address-space cap: it breaks CUDA)"
            if hasattr(os, "setsid")
            else "none",
        ),
    ]
    rows += [
        (say("doctor_protection", lang, name=name), "active" if on else "not active")
        for name, on in sandbox.protections().items()
    ]
    if sandbox.DROPS_PRIVILEGES and not sandbox.PYTHON_READABLE:
        rows.append(
            (
                say("doctor_install", lang),
                "not readable by other users, so each job's uid keeps CAP_DAC_READ_SEARCH"
                + (" (its reads still confined by Landlock)" if sandbox.LANDLOCK else " and CAN READ ANY FILE")
                + "; fix: install into a world-readable folder (e.g. /opt/venv) or chmod o+rx its path",
            )
        )
    return rows


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
        (say("doctor_workspace", lang), f"{root}" + ("" if (root / ".kata").is_dir() else " (not created yet)"))
    )
    return rows
