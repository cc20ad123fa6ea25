"""The one exception type the CLI turns into a one-line message and exit code 2."""

from __future__ import annotations


class KataError(Exception):
    """A usage or configuration problem the user can fix (bad id, malformed kata.toml, ...).

    Raised with a catalogue key (grader/i18n.py) and its values, the CLI says it in the learner's
    language; `str()` is always the English text."""

    def __init__(self, message: str, key: str | None = None, **values: object):
        super().__init__(message)
        self.key, self.values = key, values

    @classmethod
    def of(cls, key: str, **values: object) -> "KataError":
        from grader.i18n import say

        return cls(say(key, "en", **values), key, **values)
