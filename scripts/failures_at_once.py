"""A pytest plugin for scripts/gpu-check.sh: each failure's traceback printed as it happens.

A suite stopped at its time limit on a borrowed machine prints no summary; this names what failed, and why,
among the tests that ran. Under pytest-xdist only the controller prints (each report reaches it once)."""

import sys

import pytest

_controller = True


def pytest_configure(config: pytest.Config) -> None:
    global _controller
    _controller = not hasattr(config, "workerinput")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _controller and report.failed:
        print(
            f"\n!!! FAILED {report.nodeid} ({report.when})\n{report.longreprtext[-4000:]}\n",
            file=sys.stderr,
            flush=True,
        )
