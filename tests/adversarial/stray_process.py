"""Leaves a process that quits the job's process group and session and burns CPU forever."""
import os

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:
            pass
    os._exit(0)
