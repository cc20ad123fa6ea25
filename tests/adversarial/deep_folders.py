"""Nests 1,500 folders inside its own job folder: a walk that recurses once per level (os.walk,
Path.rglob and shutil.rmtree in Python 3.11) fails on it with RecursionError, in the zygote that
measures and removes the folder."""

import os

print("FOLDER", os.path.dirname(os.getcwd()), flush=True)  # the job folder, the one to be removed
for _ in range(1500):
    os.mkdir("d")
    os.chdir("d")
with open("deepest.txt", "w") as _file:
    _file.write("x")
