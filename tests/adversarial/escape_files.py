"""Tries to overwrite and delete files outside its own folder: the grader, the gradebook, others."""
import os

TARGETS: list[str] = []  # the test fills in the paths to attack

for path in TARGETS:
    try:
        with open(path, "a") as f:
            f.write("# pwned\n")
    except OSError:
        pass
    try:
        os.remove(path)
    except OSError:
        pass
