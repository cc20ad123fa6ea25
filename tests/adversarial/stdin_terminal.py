"""Reads from and writes to fd 0, hoping to reach the instructor's terminal."""
import os

try:
    os.write(0, b"\x1b]0;pwned\x07 type your password: ")
    os.read(0, 100)
except OSError:
    pass
