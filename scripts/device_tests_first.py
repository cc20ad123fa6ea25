"""A pytest plugin for scripts/gpu-check.sh: the tests of devices, the sandbox and the engine run first.

The borrowed machine's time may end before the whole suite has run; what ran by then should be what
that machine is lent to test. The order within each file, and of the other files, stays as collected."""

import pytest

FIRST = (
    "test_devices.py",
    "test_device_memory.py",
    "test_doctor.py",
    "test_markers.py",
    "test_engine.py",
    "test_sandbox.py",
    "test_judged.py",
    "test_batch.py",
    "test_verify.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(FIRST)))  # a stable sort
