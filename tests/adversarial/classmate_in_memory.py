"""Looks through its own process's objects for the jobs that ran beside it when it was forked: the
zygote's copy of their state names each learner's folder and holds what they printed and observed."""

import gc

for _found in gc.get_objects():
    if type(_found).__name__ in ("Job", "_Running", "JobOutcome"):
        _job = getattr(_found, "job", _found)
        print("JOB SEEN", getattr(_job, "solution_dir", "?"), flush=True)
