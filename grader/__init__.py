"""torch-katas: PyTorch fundamentals as katas, graded in isolated child processes.

The public API (grader/api.py) loads on first use, so `import grader` stays light:
`grader.start("tensors", notebook=True)`, `grader.grade()`, `grader.hint()`. In Jupyter,
`%load_ext grader` adds the `%kata` magic (grader/magic.py).
"""

__version__ = "0.1.0"

_API = (
    "setup",
    "start",
    "make_notebook",
    "hint",
    "list_katas",
    "grade",
    "reset",
    "Settings",
    "Started",
    "Hint",
    "KataList",
    "Scorecard",
)
__all__ = [*_API, "load_ipython_extension"]


def __getattr__(name: str):
    if name in _API:
        from grader import api

        return getattr(api, name)
    raise AttributeError(f"module 'grader' has no attribute '{name}'")


def load_ipython_extension(ipython) -> None:
    """`%load_ext grader`: register the `%kata` magic."""
    from grader.magic import register

    register(ipython)
