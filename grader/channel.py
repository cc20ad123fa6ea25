"""The results channel: JSON lines from the grading child to the parent, one turn per check.

The parent hands the child a fresh random token for each turn over a control pipe; the child stamps
every record of the check it is running with that token; the parent accepts only records stamped
with the current token and hands out the next token once the check's result has arrived. So code
that digs the token out of memory can forge at most the turn it is running in, and a forged result
followed by the real one (now stamped with a stale token) is reported as tampering. Nothing else the
child writes, prints or leaves behind counts, and nothing is ever unpickled.
"""

from __future__ import annotations

import json
import os
import secrets

MAX_PENDING_BYTES = 1024 * 1024  # a line longer than this is not ours: drop it and flag tampering


class ParentChannel:
    """The parent's end: feed it what the child wrote; read `records` when the child is gone."""

    def __init__(self, control_fd: int):
        self.control_fd = control_fd
        self.tokens: list[str] = []
        self.records: list[dict] = []
        self._pending = bytearray()
        self._next_turn()

    def _next_turn(self) -> None:
        token = secrets.token_hex(16)
        self.tokens.append(token)
        try:
            os.write(self.control_fd, (token + "\n").encode())
        except OSError:
            pass  # the child is gone; its outcome says so

    def feed(self, data: bytes) -> None:
        self._pending += data
        while (end := self._pending.find(b"\n")) >= 0:
            line = bytes(self._pending[:end])
            del self._pending[: end + 1]
            self._accept(line)
        if len(self._pending) > MAX_PENDING_BYTES:
            self._pending.clear()
            self.records.append({"type": "tamper", "message": "garbage was written to the results channel"})

    def _accept(self, line: bytes) -> None:
        try:
            record = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            return
        if not isinstance(record, dict):
            return
        token = record.pop("nonce", None)
        if token == self.tokens[-1]:
            self.records.append(record)
            if record.get("type") == "check":
                self._next_turn()
        elif token in self.tokens:
            self.records.append({"type": "tamper", "message": "a result arrived out of turn (forged?)"})

    def close(self) -> None:
        if self.control_fd >= 0:  # once only: a closed fd number may already belong to a new pipe
            os.close(self.control_fd)
            self.control_fd = -1


def next_turn(control_fd: int) -> str:
    """In the child: wait for the token of the next turn (EOF: the parent is gone, so stop)."""
    line = bytearray()
    while not line.endswith(b"\n"):
        chunk = os.read(control_fd, 64)
        if not chunk:
            raise SystemExit(_PARENT_GONE)
        line += chunk
    return line.decode().strip()


_PARENT_GONE = 71
