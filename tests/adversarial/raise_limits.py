"""Raises every limit the job runs under back to its hard limit (a process may raise its soft limit
that far), then forks well past the process cap and opens files past the open-file cap."""

import os
import resource
import time

for _name in ("RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_CPU", "RLIMIT_FSIZE"):
    _which = getattr(resource, _name)
    _soft, _hard = resource.getrlimit(_which)
    try:
        resource.setrlimit(_which, (_hard, _hard))
    except (ValueError, OSError):
        pass
    print("LIMIT", _name, resource.getrlimit(_which), flush=True)
_forked = 0
try:
    for _ in range(40):
        if os.fork() == 0:
            time.sleep(3)
            os._exit(0)
        _forked += 1
except OSError:
    pass
print("FORKED", _forked, flush=True)
_opened = []
try:
    for _ in range(10_000):
        _opened.append(os.open(os.devnull, os.O_RDONLY))
except OSError:
    pass
print("OPENED", len(_opened), flush=True)
for _fd in _opened:
    os.close(_fd)
