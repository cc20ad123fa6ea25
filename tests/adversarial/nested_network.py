"""Starts a program (an exec makes its /proc files its own again), which makes a user namespace and
in it a network namespace of its own, then pins memory in socket queues there: the grader reads
the sockets of the job's network namespace, not of one nested in it."""

import subprocess
import sys
import time

_HOLD = r"""
import ctypes, socket, time
if ctypes.CDLL(None, use_errno=True).unshare(0x10000000 | 0x40000000) != 0:  # CLONE_NEWUSER | CLONE_NEWNET
    print("UNSHARE refused", ctypes.get_errno(), flush=True)
    raise SystemExit
held = []
for _ in range(100):
    sender, receiver = socket.socketpair()
    sender.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 2**30)
    sender.setblocking(False)
    try:
        while True:
            sender.send(b"x" * 65536)
    except BlockingIOError:
        pass
    sender.close()
    held.append(receiver)
print("HELD", len(held), "sockets", flush=True)
time.sleep(60)
"""
_holder = subprocess.Popen([sys.executable, "-c", _HOLD])
time.sleep(3)
