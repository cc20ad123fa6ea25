#!/bin/bash
# Every device check in one run, for a machine with a GPU and no network.
#   here (with network):   bash scripts/gpu-check.sh prepare       -> gpu-run/ (wheels, the repo at HEAD)
#   on the GPU machine:    bash scripts/gpu-check.sh run [checks|tests|all]   (results in $OUT)
# It installs the project's wheel beside the machine's CUDA torch, then
#   checks: kata doctor, kata grade on cuda and cpu (every reference), kata batch of 12 learners x 11
#           katas with 8 workers on cuda and cpu (rates, and the two gradebooks compared), kata verify
#           --device cuda, a learner past their GPU memory share (oom alone), and a cold `kata grade
#           tensors` on each device;
#   tests:  the project's whole test suite (4 processes where pytest-xdist is installed);
#   all:    both, in that order. One device call has 10 minutes: give checks and tests a call each.
set -u
if [ "${1:-}" = prepare ]; then
    set -e
    rm -rf gpu-run && mkdir -p gpu-run/wheels
    python -m pip wheel -q --no-deps -w gpu-run/wheels .
    python -m pip download -q --no-deps -d gpu-run/wheels pytest-timeout wcwidth
    python -m pip download -q --no-deps --only-binary=:all: --python-version 3.10 \
        --platform manylinux_2_17_x86_64 -d gpu-run/wheels watchfiles
    git archive --format=tar HEAD -o gpu-run/head.tar
    cp scripts/compare_outputs.py gpu-run/compare.py
    exit 0
fi
shift
MODE=${1:-all}
REPO=$(pwd)
OUT=${OUT:-/tmp/gpu-out}; mkdir -p "$OUT"
exec > >(tee "$OUT/log.txt") 2>&1
stamp() { echo "=== $(date +%T) $*"; }
stamp start; python -V; nvidia-smi -L; nproc; free -g | head -2
python -c "import torch; print('torch', torch.__version__, torch.cuda.is_available(), torch.cuda.device_count())"
python -c "import typer, pytest, tabulate; print(typer.__file__, pytest.__file__)"
python -m pip install -q --no-index --no-deps gpu-run/wheels/*.whl || python -m pip install -q --user --no-index --no-deps --break-system-packages gpu-run/wheels/*.whl
PY=$(command -v python); K="$PY -m grader"
$PY -c "import grader; print('grader from', grader.__file__)"
WORK=$(mktemp -d /tmp/kata-gpu-XXXX); chmod 755 "$WORK"; cd "$WORK"
stamp doctor; $K doctor
stamp workspace
$PY - <<'PY'
import shutil
from pathlib import Path
from grader.catalog import Catalog
for kata in Catalog.load().katas:
    target = Path("ws") / kata.id
    target.mkdir(parents=True)
    for name in kata.files:
        shutil.copy(kata.reference / name, target / name)
    for learner in range(12):
        shutil.copytree(target, Path("class") / f"learner-{learner:02d}" / kata.id)
PY
mkdir -p ws/.kata
if [ "$MODE" != tests ]; then
  for d in cuda cpu; do
    stamp "grade --device $d"; /usr/bin/time -f "%e s wall" $K grade $(ls ws) --workspace ws --device $d --json "$OUT/grade-$d.json" | tail -16; echo "exit ${PIPESTATUS[0]}"
  done
  for d in cuda cpu; do
    stamp "batch --device $d"; /usr/bin/time -f "%e s wall" $K batch class -o "batch-$d" --device $d --workers 8 2>&1 | tail -6
    cp "batch-$d/grades.csv" "$OUT/batch-$d-grades.csv"; cp "batch-$d/checks.csv" "$OUT/batch-$d-checks.csv"
  done
  stamp compare; $PY "$REPO/gpu-run/compare.py" batch-cuda batch-cpu
  # a learner who raises the share of GPU memory their job was given and fills half the GPU: oom for
  # that learner alone (the watch from outside the job), full marks for the classmates beside it
  stamp gpu-share; mkdir -p share
  for learner in 1 2 3; do mkdir -p "share/ok-$learner/tensors"; cp ws/tensors/tensors.py "share/ok-$learner/tensors/"; done
  mkdir -p share/hog/tensors; { cat ws/tensors/tensors.py; cat <<'HOG'
import time
import torch
torch.cuda.set_per_process_memory_fraction(1.0)
_held = torch.empty(torch.cuda.get_device_properties(0).total_memory // 2, dtype=torch.uint8, device="cuda")
time.sleep(10)
HOG
  } > share/hog/tensors/tensors.py
  $K batch share -o batch-share --device cuda --workers 8 --only tensors 2>&1 | tail -4; cat batch-share/grades.csv
  stamp verify-all; /usr/bin/time -f "%e s wall" $K verify --device cuda 2>&1 | tail -40
  stamp cold-grade; $PY - <<'PY'
import subprocess, sys, time
for device in ("cpu", "cuda"):
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", "grade", "tensors", "--workspace", "ws", "--device", device], capture_output=True)
    print(device, "kata grade tensors", round(time.perf_counter() - started, 2), "s")
PY
fi
if [ "$MODE" != checks ]; then
  stamp pytest-all; mkdir -p /tmp/repo && tar -xf "$REPO/gpu-run/head.tar" -C /tmp/repo && cd /tmp/repo
  PARALLEL=$($PY -c "import xdist" 2>/dev/null && echo "-n 4")
  timeout ${PYTEST_BUDGET:-500} $PY -m pytest -q -p no:cacheprovider --timeout 300 $PARALLEL 2>&1 | tail -30
fi
stamp end
