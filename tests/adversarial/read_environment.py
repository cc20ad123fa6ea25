"""Looks for the instructor's environment, which the job's allow-list left out: in /proc/self/environ
(the block this process started with) and anywhere in its own memory. It printed an LMS token and
KATA_SEED, and what a job prints comes back to the learner."""

import ctypes

needle = "".join(["INSTRUCTOR_LMS_", "TOKEN="]).encode()  # joined at run time: not a constant in memory
with open("/proc/self/environ", "rb") as block:
    for entry in block.read().split(b"\0"):
        if entry.startswith(needle):
            print("FOUND in /proc/self/environ:", entry.decode(errors="replace"))
with open("/proc/self/maps") as maps:
    regions = [line.split() for line in maps]
for fields in regions:
    low, high = (int(x, 16) for x in fields[0].split("-"))
    if "r" not in fields[1] or high - low > 2**28 or fields[-1] in ("[vvar]", "[vsyscall]", "[vvar_vclock]"):
        continue
    try:
        memory = ctypes.string_at(low, high - low)
    except OSError:
        continue
    at = memory.find(needle)
    while at >= 0:
        if low + at != id(needle) + 32:  # the needle itself (a bytes object's data starts 32 bytes in)
            print("FOUND in memory:", memory[at : at + 80].split(b"\0")[0].decode(errors="replace"))
        at = memory.find(needle, at + 1)
print("LOOKED")
