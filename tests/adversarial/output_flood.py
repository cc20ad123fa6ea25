"""Writes 256 MiB to stdout and stderr (4,000 times what is kept), then carries on as the stub would."""
import os

CHUNK = b"PASSED " * 9362  # about 64 KiB
for _ in range(2048):
    os.write(1, CHUNK)
    os.write(2, CHUNK)
