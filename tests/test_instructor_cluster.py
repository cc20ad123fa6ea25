"""The cluster recipes of docs/INSTRUCTOR.md: the Slurm script run as Slurm runs a rerun of one array
task (its environment variables, node-local TMPDIR), and the Kubernetes manifest's shape and memory.

The promise: a rerun of array task I grades shard I of N, never the whole class; memory settings add
up (workers x --memory + the `kata` process itself fit the job's memory); the pods cannot reach the
network and drop every capability the sandbox does not use.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.batch import shard_of

REPO = Path(__file__).resolve().parents[1]
DOC = (REPO / "docs" / "INSTRUCTOR.md").read_text(encoding="utf-8")
KATA_ITSELF_MB = 512  # the parent (torch, pytest, the warm worker): 250 MB measured, with room


def _recipe(marker: str) -> str:
    return re.search(rf"<!-- {marker} -->\n```\w+\n(.*?)```", DOC, re.DOTALL).group(1)


def _gib(text: str) -> float:
    number, unit = re.fullmatch(r"(\d+)([GM])i?", text).groups()
    return int(number) / (1024 if unit == "M" else 1)


def test_slurm_memory_adds_up():
    script = _recipe("slurm-recipe")
    cpus = int(re.search(r"--cpus-per-task=(\d+)", script).group(1))
    memory = _gib(re.search(r"--mem=(\w+)", script).group(1))
    per_job = int(re.search(r"--memory (\d+)", script).group(1))
    assert '--workers "$SLURM_CPUS_PER_TASK"' in script
    assert (cpus * per_job + KATA_ITSELF_MB) / 1024 <= memory


@pytest.fixture
def course(tmp_path):
    """A course folder as the Slurm script expects it, and a stand-in `activate` for this interpreter."""
    kata = shutil.which("kata") or str(Path(sys.executable).with_name("kata"))
    if not Path(kata).is_file():
        pytest.skip("the `kata` command is not installed beside this Python")
    course = tmp_path / "course"
    shutil.copytree(REPO / "katas" / "01-tensors", course / "pack" / "katas" / "01-tensors")
    shutil.copytree(REPO / "reference" / "01-tensors", course / "pack" / "reference" / "01-tensors")
    reference = (REPO / "reference" / "01-tensors" / "tensors.py").read_bytes()
    for name in ("ref-0", "ref-1", "ref-2", "ref-3", "ref-4", "ref-5"):
        (course / "submissions" / name / "tensors").mkdir(parents=True)
        (course / "submissions" / name / "tensors" / "tensors.py").write_bytes(reference)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "activate").write_text(f'export PATH="{Path(kata).parent}:$PATH"\n')
    return course, venv


def _rerun_one_task(course: Path, venv: Path, index: int, tmp: Path) -> subprocess.CompletedProcess:
    """`sbatch --array=INDEX grade.sh`: what Slurm sets for that single task."""
    script = tmp / "grade.sh"
    script.write_text(_recipe("slurm-recipe"))
    (tmp / "node-local").mkdir(exist_ok=True)
    env = {**os.environ, "COURSE": str(course), "KATA_VENV": str(venv), "TMPDIR": str(tmp / "node-local"),
           "SLURM_ARRAY_JOB_ID": "4242", "SLURM_ARRAY_TASK_ID": str(index), "SLURM_ARRAY_TASK_MIN": str(index),
           "SLURM_ARRAY_TASK_MAX": str(index), "SLURM_ARRAY_TASK_COUNT": "1", "SLURM_CPUS_PER_TASK": "2"}
    return subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=600, env=env)


def test_rerun_of_one_slurm_array_task_grades_its_shard_only(course, tmp_path):
    course, venv = course
    shards = int(re.search(r"^SHARDS=(\d+)$", _recipe("slurm-recipe"), re.MULTILINE).group(1))
    assert f"--array=0-{shards - 1}" in _recipe("slurm-recipe")
    learners = sorted(p.name for p in (course / "submissions").iterdir())
    owners = {i: [name for name in learners if shard_of(name, shards) == i] for i in range(shards)}
    index = shard_of("ref-0", shards)
    run = _rerun_one_task(course, venv, index, tmp_path)
    assert run.returncode == 0, run.stderr
    out = course / "grades" / f"shard-{index}"
    assert json.loads((out / "shard.json").read_text()) | {"katas": None} == {
        "shard": index, "shards": shards, "katas": None, "learners": owners[index]}
    assert (out / "gradebook.sqlite").is_file()  # graded on node-local disk, copied back
    again = _rerun_one_task(course, venv, index, tmp_path)  # resumes from the copied gradebook
    assert again.returncode == 0 and " 0 jobs graded" in again.stdout, again.stderr
    empty = next((i for i, names in owners.items() if not names), None)
    if empty is not None:  # a shard no learner falls in is not a failed task
        nobody = _rerun_one_task(course, venv, empty, tmp_path)
        assert nobody.returncode == 0, nobody.stderr


def test_kubernetes_manifest_is_confined_and_adds_up():
    yaml = pytest.importorskip("yaml")
    job, policy = yaml.safe_load_all(_recipe("kubernetes-recipe"))
    spec = job["spec"]
    pod = spec["template"]["spec"]
    [container] = pod["containers"]
    script = container["args"][0]
    assert spec["completionMode"] == "Indexed" and f"--shards {spec['completions']}" in script
    assert pod["automountServiceAccountToken"] is False
    workers = int(re.search(r"--workers (\d+)", script).group(1))
    per_job = int(re.search(r"--memory (\d+)", script).group(1))
    limits = container["resources"]["limits"]
    assert workers <= int(limits["cpu"]) and (workers * per_job + KATA_ITSELF_MB) / 1024 <= _gib(limits["memory"])
    security = container["securityContext"]
    assert security["capabilities"]["drop"] == ["ALL"] and security["readOnlyRootFilesystem"] is True
    assert "NET_ADMIN" not in security["capabilities"]["add"] and "privileged" not in security
    assert policy["kind"] == "NetworkPolicy"
    assert policy["spec"]["podSelector"]["matchLabels"] == spec["template"]["metadata"]["labels"]
    assert sorted(policy["spec"]["policyTypes"]) == ["Egress", "Ingress"]
    assert "ingress" not in policy["spec"] and "egress" not in policy["spec"]  # nothing allowed either way
    assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0
