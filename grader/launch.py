"""How the engine starts its processes: a fresh interpreter of this very grader package, or a fork
where that is safe."""

from __future__ import annotations

import sys
from pathlib import Path

JUDGE_MODULE_PREFIX = "_kata_judge_"  # the names judge halves are imported under (judge.py)
SEED_VARIABLE = "KATA_SEED"  # an instructor's secret seed (judge.py): never passed to a fresh zygote


def judge_code_loaded() -> bool:
    """Whether this process has ever imported a judge half (then it may hold expected values too)."""
    return any(name.startswith(JUDGE_MODULE_PREFIX) for name in sys.modules)


def fork_is_safe() -> bool:
    """Fork on Linux from a process that has not initialised an accelerator (it never should)."""
    from grader import devices

    return sys.platform.startswith("linux") and not devices.accelerator_initialized()


def python_command(module: str, argument: str) -> list[str]:
    """`python -E -P` running `module._spawned_main()` with `argument` last on its command line.

    The package is found by its own path, so neither PYTHON* variables nor the current folder (a
    learner folder named `grader`) decide what runs. (Not -I: that also drops the user site, where
    `pip install --user` may have put torch.)"""
    root = str(Path(__file__).resolve().parent.parent)
    code = f"import sys; sys.path.insert(0, {root!r}); from {module} import _spawned_main; _spawned_main()"
    return [sys.executable, "-E", "-P", "-c", code, argument]
