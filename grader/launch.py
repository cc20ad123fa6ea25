"""How the engine starts a fresh interpreter running this very grader package."""

from __future__ import annotations

import sys
from pathlib import Path


def python_command(module: str, argument: str) -> list[str]:
    """`python -E -P` running `module._spawned_main()` with `argument` last on its command line.

    The package is found by its own path, so neither PYTHON* variables nor the current folder (a
    learner folder named `grader`) decide what runs. (Not -I: that also drops the user site, where
    `pip install --user` may have put torch.)"""
    root = str(Path(__file__).resolve().parent.parent)
    code = f"import sys; sys.path.insert(0, {root!r}); from {module} import _spawned_main; _spawned_main()"
    return [sys.executable, "-E", "-P", "-c", code, argument]
