#!/bin/bash
# Every device check in one run, for a machine with a GPU and no network.
#   here (with network):   bash scripts/gpu-check.sh prepare       -> gpu-run/ (wheels, the repo at HEAD)
#   on the GPU machine:    bash scripts/gpu-check.sh run [PART...]   (results in $OUT; default: every part)
# It installs the project's wheel and the Python packages the machine lacks beside its CUDA torch, then
# runs these parts, in this order:
#   doctor: how NVML answers in this process, and kata doctor;
#   grade:  kata grade on cuda and cpu (every reference);
#   batch:  kata batch of 12 learners x 11 katas with 8 workers on cuda and cpu (rates, the CPU per job
#           of the `kata` process and of its zygote, with py-spy profiles of both, and the two
#           gradebooks compared);
#   share:  a learner past their GPU memory share beside three classmates (oom for that learner alone);
#   verify: kata verify --device cuda;
#   cold:   a cold `kata grade tensors` on each device;
#   tests:  the project's whole test suite, in parallel where pytest-xdist is installed, each failure
#           printed as it happens (a suite stopped at its time limit still names them), the tests of
#           devices, the sandbox and the engine first (scripts/device_tests_first.py), the slowest named.
# Each step has its own time limit, so one that hangs still leaves the others' results in the log.
# On a 16-core H100 (15 minutes of device time, the machine's start included) the parts took: install
# 20 s, doctor 15 s, grade 50 s (both devices), batch 180 s (both), share 20 s, verify 7 of 11 katas
# in 100 s, tests about 90 % of the suite in 170 s with 12 processes. So the figures that matter most
# first, `VERIFY_BUDGET=220 ... run doctor batch verify` (one 590 s call), then at once (the machine
# goes back when idle) `PYTEST_BUDGET=<device time left - 60> PYTEST_WORKERS=12 ... run tests`.
# GPU_CHECK_DEVICES="cpu" GPU_CHECK_INSTALLED=1 rehearses it in the dev venv on a machine without a GPU
# (the GPU-only steps are skipped).
set -u
if [ "${1:-}" = prepare ]; then
    set -e
    rm -rf gpu-run && mkdir -p gpu-run/wheels
    python -m pip wheel -q --no-deps -w gpu-run/wheels .
    # the project's dependencies and test extras, as wheels for the GPU machine's Python; torch and what
    # the machine's image already holds stay out (KINDS.md of the device tool lists the image's packages)
    python - > gpu-run/requirements.txt <<'PY'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
skip = {"torch", "numpy", "pytest", "pytest-timeout", "tabulate", "ruff", "pyyaml"}
for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
    name = spec.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip()
    if name.lower() not in skip:
        print(spec.split("#")[0].strip())
PY
    platforms=""
    for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_26_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux1_x86_64; do
        platforms="$platforms --platform $p"
    done
    python -m pip download -q --only-binary=:all: --python-version "${GPU_PYTHON:-3.12}" --implementation cp \
        $platforms -d gpu-run/deps -r gpu-run/requirements.txt
    for present in annotated_doc anyio attrs idna iniconfig packaging pluggy psutil pygments pytest- \
        pytest_timeout python_dateutil PyYAML pyyaml rich shellingham typing_extensions markdown_it_py mdurl; do
        rm -f gpu-run/deps/"$present"-*.whl gpu-run/deps/"$present"*.whl
    done
    # py-spy: where the `kata` process and the zygote spend their CPU during the batch part
    python -m pip download -q --only-binary=:all: --python-version "${GPU_PYTHON:-3.12}" --implementation cp \
        $platforms -d gpu-run/deps py-spy
    mv gpu-run/deps/*.whl gpu-run/wheels/ && rmdir gpu-run/deps
    git archive --format=tar HEAD -o gpu-run/head.tar
    cp scripts/compare_outputs.py gpu-run/compare.py
    du -sh gpu-run
    exit 0
fi
shift
PARTS=${*:-doctor grade batch share verify cold tests}
wanted() { [[ " $PARTS " == *" $1 "* ]]; }
REPO=$(pwd)
DEVICES=${GPU_CHECK_DEVICES:-cuda cpu}
ACCELERATOR=${DEVICES%% *}
OUT=${OUT:-/tmp/gpu-out}; mkdir -p "$OUT"
exec > >(tee "$OUT/log.txt") 2>&1
export PYTHONUNBUFFERED=1
stamp() { echo "=== $(date +%T) $*"; }
# step SECONDS NAME COMMAND...: one check with its own limit; its exit status and wall time are logged
step() {
    local limit=$1 name=$2; shift 2
    stamp "$name"; local started=$SECONDS
    timeout -k 10 -s "${STEP_SIGNAL:-TERM}" "$limit" "$@"; local status=$?
    echo "--- $name: exit $status in $((SECONDS - started)) s$([ $status = 124 ] && echo " (TIMED OUT at $limit s)")"
}
stamp start; python -V; command -v nvidia-smi >/dev/null && nvidia-smi -L; nproc; free -g | head -2; id -u
python -c "import torch; print('torch', torch.__version__, torch.cuda.is_available(), torch.cuda.device_count())"
# GPU_CHECK_INSTALLED=1: the project is installed already (a rehearsal in the dev venv)
[ "${GPU_CHECK_INSTALLED:-}" = 1 ] || python -m pip install -q --no-index --no-deps gpu-run/wheels/*.whl \
    || python -m pip install -q --user --no-index --no-deps --break-system-packages gpu-run/wheels/*.whl
PY=$(command -v python); K="$PY -m grader"
$PY -c "import grader, typer, pytest, tabulate, wcwidth, nbformat; print('grader from', grader.__file__, 'typer', typer.__version__, 'pytest', pytest.__version__)"
WORK=$(mktemp -d /tmp/kata-gpu-XXXX); chmod 755 "$WORK"; cd "$WORK"
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
if wanted doctor; then
  step 20 "NVML, asked as torch and as the grader ask it" $PY - <<'PY'
import ctypes, os, warnings
import torch
library = ctypes.CDLL("libnvidia-ml.so.1")
print("nvmlInit ->", library.nvmlInit(), "; nvmlInit_v2 ->", library.nvmlInit_v2())
with warnings.catch_warnings(record=True) as said:
    print("torch.cuda._device_count_nvml() ->", torch.cuda._device_count_nvml(), [str(w.message) for w in said])
print("LD_LIBRARY_PATH", os.environ.get("LD_LIBRARY_PATH"))
PY
  step 60 doctor $K doctor
fi
if wanted grade; then
  for d in $DEVICES; do
    step 120 "grade --device $d" $K grade $(ls ws) --workspace ws --device $d --json "grade-$d.json"
  done
fi
if wanted batch; then
  for d in $DEVICES; do
    # the rate, the CPU the `kata` process and its zygote spend per job (they work one job at a time:
    # their ceiling on any number of cores), and where it goes (py-spy, shipped with the wheels)
    step 150 "batch --device $d (12 learners x 11 katas, 8 workers)" \
        $PY "$REPO/tests/benchmarks/bench.py" --profile "profile-$d" --serial class "batch-$d" --device $d --workers 8
  done
  [ "$ACCELERATOR" != cpu ] && step 20 "compare the $ACCELERATOR and cpu gradebooks" $PY "$REPO/gpu-run/compare.py" "batch-$ACCELERATOR" batch-cpu
fi
if wanted share && [ "$ACCELERATOR" = cuda ]; then
    # a learner who raises the share of GPU memory their job was given and fills half the GPU: oom for
    # that learner alone (the watch from outside the job), full marks for the classmates beside it
    for learner in 1 2 3; do mkdir -p "share/ok-$learner/tensors"; cp ws/tensors/tensors.py "share/ok-$learner/tensors/"; done
    mkdir -p share/hog/tensors; { cat ws/tensors/tensors.py; cat <<'HOG'
import time
import torch
torch.cuda.set_per_process_memory_fraction(1.0)
_held = torch.empty(torch.cuda.get_device_properties(0).total_memory // 2, dtype=torch.uint8, device="cuda")
time.sleep(10)
HOG
    } > share/hog/tensors/tensors.py
    step 90 "gpu-share hog beside 3 classmates" $K batch share -o batch-share --device cuda --workers 8 --only tensors
    cat batch-share/grades.csv; grep -m2 hog batch-share/checks.csv
fi
wanted verify && step "${VERIFY_BUDGET:-240}" "verify --device $ACCELERATOR" $K verify --device $ACCELERATOR
wanted cold && step 60 "cold kata grade tensors" $PY - $DEVICES <<'PY'
import subprocess, sys, time
for device in sys.argv[1:]:
    for attempt in range(2):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "grader", "grade", "tensors", "--workspace", "ws", "--device", device], capture_output=True)
        print(device, "kata grade tensors", round(time.perf_counter() - started, 2), "s", "exit", done.returncode)
PY
tar -czf "$OUT/results.tgz" grade-*.json batch-*/grades.csv batch-*/checks.csv profile-* 2>/dev/null
if wanted tests; then
  mkdir -p /tmp/repo && tar -xf "$REPO/gpu-run/head.tar" -C /tmp/repo && cd /tmp/repo
  PARALLEL=$($PY -c "import xdist" 2>/dev/null && echo "-n ${PYTEST_WORKERS:-12}")
  # SIGINT at the budget: pytest still prints which tests failed among those that ran
  STEP_SIGNAL=INT PYTHONPATH="$REPO/scripts" step "${PYTEST_BUDGET:-500}" "pytest (whole suite)" \
      $PY -m pytest -q -rfEs -p no:cacheprovider -p no:benchmark -p failures_at_once -p device_tests_first \
          --durations=30 --timeout 240 $PARALLEL
fi
stamp end
