"""Fills the shared temp filesystem and its own folder, hoping the batch dies of a full disk."""
import os
import tempfile

chunk = os.urandom(4 * 2**20)
for folder in ("/tmp", "/dev/shm", tempfile.gettempdir(), "."):
    for index in range(64):
        try:
            with open(os.path.join(folder, f"kata-adversarial-fill-{os.getpid()}-{index}"), "wb") as out:
                for _ in range(4):
                    out.write(chunk)
        except OSError:
            break
