"""Digs the results channel out of memory and sends a record the zygote must reject: a lone surrogate
in the message (once enough to crash every later batch's gradebook)."""
import json
import os
import sys

context = sys.modules["grader.plugin"].CONTEXT
current = os.environ.get("PYTEST_CURRENT_TEST", "::test_to_float_tensor (setup)").split("::")[-1].split(" ")[0]
record = {"type": "check", "id": current, "outcome": "failed", "message": "\ud800", "duration": 0.0}
os.write(context.channel_fd, (json.dumps(record) + "\n").encode())
