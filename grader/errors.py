"""The one exception type the CLI turns into a one-line message and exit code 2."""


class KataError(Exception):
    """A usage or configuration problem the user can fix (bad id, malformed kata.toml, ...)."""
