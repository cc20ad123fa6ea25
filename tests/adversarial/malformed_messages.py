"""Fails every check with messages and output no file format likes: lone surrogates, NUL, terminal
escapes, bidirectional overrides, a 1 MB line, XML and CSV metacharacters."""
import os

HOSTILE = "\ud800 \udcff nul\x00 \x1b[2J\x1b[31m \u202eevil\u202c ]]><!-- =cmd|' /C calc'!A0 ```"
print(HOSTILE, flush=True)
os.write(1, HOSTILE.encode("utf-8", "surrogatepass") + b" \xff\xfe not UTF-8 " + b"y" * 1_000_000 + b"\n")


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no text for you")


def _fail(*args, **kwargs):
    raise AssertionError(HOSTILE + "x" * 1_000_000)


def __getattr__(name):  # any function name a check looks up
    if name.startswith("__"):
        raise AttributeError(name)
    if name in ("to_labels", "positive_mask"):
        def unprintable(*args, **kwargs):
            raise Unprintable()
        return unprintable
    return _fail
