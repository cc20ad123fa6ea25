"""Starts a program (an exec makes its /proc files its own again), which makes a user namespace,
becomes root in it, mounts a tmpfs that only its own mount namespace sees and keeps 400 MiB there:
memory in no process's figures and in no folder the grader walks."""

import subprocess
import sys
import time

_HOLD = r"""
import ctypes, os, time
libc = ctypes.CDLL(None, use_errno=True)
uid, gid = os.getuid(), os.getgid()
if libc.unshare(0x10000000 | 0x00020000) != 0:  # CLONE_NEWUSER | CLONE_NEWNS
    print("UNSHARE refused", ctypes.get_errno(), flush=True)
    raise SystemExit
for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
    with open(f"/proc/self/{name}", "w") as file:
        file.write(text)
os.makedirs("hidden", exist_ok=True)
if libc.mount(b"tmpfs", b"hidden", b"tmpfs", 0, b"size=1g") != 0:
    print("MOUNT refused", ctypes.get_errno(), flush=True)
    raise SystemExit
chunk = os.urandom(2**20) * 8
for index in range(50):
    with open(f"hidden/held-{index}", "wb") as file:
        file.write(chunk)
print("HELD 400 MiB", flush=True)
time.sleep(60)
"""
_holder = subprocess.Popen([sys.executable, "-c", _HOLD])
time.sleep(3)
