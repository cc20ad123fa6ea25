"""Spreads its memory over three child processes, each under the limit, together far above it."""
import os
import time

for _ in range(3):
    if os.fork() == 0:
        block = bytearray(220 * 2**20)
        for offset in range(0, len(block), 4096):
            block[offset] = 1
        time.sleep(60)
        os._exit(0)
time.sleep(60)
