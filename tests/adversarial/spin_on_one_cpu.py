"""Never finishes importing, and starves itself: three busy processes pinned to one CPU wait for it
two thirds of the time, on any machine (as a job on a crowded machine would)."""
import os

os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
for _ in range(2):
    if os.fork() == 0:
        break
while True:
    pass
