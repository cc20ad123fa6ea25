"""The cluster recipes run for real: examples/slurm/ through a Slurm, examples/kubernetes/ checked.

The Slurm tests (marker `cluster`) submit examples/slurm/grade.sbatch and run merge.sh verbatim. They
use the Slurm that answers here; where none answers but its daemons are installed, this module starts
a one-node Slurm with scripts/slurm-local.sh and stops it afterwards; elsewhere they skip, and
`bash scripts/slurm-local.sh demo` installs Slurm (Debian, as root) and runs them. Every result is
compared with one `kata batch` of the same class on this machine: the same files, byte for byte
apart from times and durations. The Kubernetes manifest is validated against the Kubernetes schema
(when kubernetes-validate is installed), and its grading script runs here with the environment an
Indexed Job gives each pod.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from grader.batch import shard_of

REPO = Path(__file__).resolve().parents[1]
SBATCH = REPO / "examples" / "slurm" / "grade.sbatch"
MERGE = REPO / "examples" / "slurm" / "merge.sh"
MANIFEST = REPO / "examples" / "kubernetes" / "grade-job.yaml"
SLURM_LOCAL = REPO / "scripts" / "slurm-local.sh"
KATAS = {
    "tensors": ("01-tensors", "tensors.py"),
    "autograd": ("02-autograd", "autograd_basics.py"),
    "losses": ("04-losses", "losses.py"),
}
LEARNERS = [f"learner-{i:02d}" for i in range(13)] + ["zipped"]
SHARDS = 4
JOB_MB = 2048  # grade.sbatch's default KATA_JOB_MB: the one-machine run must grade with the same limit
TASK = ("--cpus-per-task=1", f"--mem={JOB_MB + 512}M")  # one worker: the test machine may have 2 cores
TIME_KEYS = frozenset({"duration", "graded_at"})
SEEDED = {"KATA_SEED": "20261126"}  # the instructor's seed: every machine makes the same inputs for a submission
SUMMARY = re.compile(r"shard (\d+)/(\d+): (\d+) learners, (\d+) jobs graded .*?, (\d+) unchanged, .*?([\d.]+) s ->")


def cluster(test):
    """Marker `cluster`, and time for a whole array on a busy machine."""
    return pytest.mark.cluster(pytest.mark.timeout(900)(test))


# --- the class and the one-machine run ---------------------------------------------------------------


def _pack(root: Path) -> Path:
    for folder, _ in KATAS.values():
        shutil.copytree(REPO / "katas" / folder, root / "katas" / folder, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(REPO / "reference" / folder, root / "reference" / folder)
    return root / "katas"


def _solution(learner: int, kata: int) -> bytes:
    """Reference, stub or the reference with one known mistake, spread so that every shard mixes them."""
    folder, name = list(KATAS.values())[kata]
    reference = (REPO / "reference" / folder / name).read_bytes()
    mistakes = sorted((REPO / "katas" / folder / "mistakes").glob("*.py"))
    variant = (learner + kata) % 4
    if variant == 0:
        return reference
    if variant == 1:
        return (REPO / "katas" / folder / "stub" / name).read_bytes()
    return reference + b"\n\n" + mistakes[(3 * learner + kata) % len(mistakes)].read_bytes()


def _class(root: Path) -> None:
    """13 workspace folders (one without losses/), one zipped workspace and a stray file: 14 learners."""
    for i, learner in enumerate(LEARNERS):
        files = {
            f"{kata}/{name}": _solution(i, k)
            for k, (kata, (_, name)) in enumerate(KATAS.items())
            if not (learner == "learner-12" and kata == "losses")
        }
        if learner == "zipped":
            with zipfile.ZipFile(root / "zipped.zip", "w") as zf:
                for member, text in files.items():
                    zf.writestr(f"workspace/{member}", text)
            continue
        for member, text in files.items():
            (root / learner / member).parent.mkdir(parents=True, exist_ok=True)
            (root / learner / member).write_bytes(text)
    (root / "notes.txt").write_text("not a submission")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The pack, the class and the class graded by one `kata batch` on this machine."""
    tmp = tmp_path_factory.mktemp("course")
    katas = _pack(tmp / "pack")
    submissions = tmp / "class"
    submissions.mkdir()
    _class(submissions)
    single = tmp / "single"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "batch",
            str(submissions),
            "-o",
            str(single),
            "--katas",
            str(katas),
            "--workers",
            "1",
            "--memory",
            str(JOB_MB),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **SEEDED},
    )
    assert run.returncode == 0, run.stderr
    print(f"\none machine, kata batch --workers 1: {SUMMARY.findall(run.stdout)[0][5]} s")
    return katas, submissions, single


# --- comparing outputs apart from times --------------------------------------------------------------


def _without_times(value):
    if isinstance(value, dict):
        return {k: None if k in TIME_KEYS else _without_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def _gradebook_rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        cursor = db.execute("SELECT * FROM results ORDER BY learner, kata")
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    return [
        tuple(
            None if n in TIME_KEYS else json.dumps(_without_times(json.loads(v))) if n == "result" else v
            for n, v in zip(names, row)
        )
        for row in rows
    ]


def _comparable(path: Path):
    """A file's content with its times and durations blanked: what must be equal between two runs."""
    if path.suffix == ".sqlite":
        return _gradebook_rows(path)
    if path.suffix == ".json":
        data = _without_times(json.loads(path.read_bytes()))
        if path.name == "shard.json":
            data.pop("merged_from", None)  # a merge marks its output so that a later merge may replace it
        return data
    text = path.read_bytes()
    if path.suffix == ".xml":
        return re.sub(rb' time="[^"]*"', b' time=""', text)
    if path.suffix == ".md":  # the scorecard's time column
        return re.sub(rb"\b\d+\.\d+s\b", b"Ts", text)
    if path.suffix == ".html":  # the learner table's seconds cell, before the protections cell
        return re.sub(rb'<td class="n">[\d.]+</td>(<td>[^<]*</td></tr>)', rb'<td class="n">T</td>\1', text)
    return text


def _differences(left: Path, right: Path) -> list[str]:
    def files(root: Path) -> set[Path]:
        return {p.relative_to(root) for p in root.rglob("*") if p.is_file() and not p.name.endswith(("-wal", "-shm"))}

    names = files(left) | files(right)
    return sorted(
        str(n)
        for n in names
        if not ((left / n).is_file() and (right / n).is_file() and _comparable(left / n) == _comparable(right / n))
    )


def _grade_rows(path: Path) -> dict[str, list[str]]:
    with open(path, newline="", encoding="utf-8") as file:
        return {row[0]: row for row in list(csv.reader(file))[1:]}


def _results(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM results").fetchone()[0]


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _members(index: int, count: int = SHARDS) -> list[str]:
    return sorted(learner for learner in LEARNERS if shard_of(learner, count) == index)


# --- Slurm -------------------------------------------------------------------------------------------


def _answers(env: dict[str, str]) -> str | None:
    """None when a Slurm answers with a node, else why not."""
    try:
        run = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=20, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None if run.returncode == 0 and run.stdout.strip() else (run.stderr.strip() or "no node")


@dataclass(frozen=True)
class Slurm:
    env: dict[str, str]  # for sbatch and friends: this Python's scripts on PATH, SLURM_CONF
    node: str  # this machine: the tests read the task's node-local disk


def _this_node(env: dict[str, str]) -> str:
    nodes = subprocess.run(["sinfo", "-h", "-N", "-o", "%N"], capture_output=True, text=True, timeout=20, env=env)
    host = socket.gethostname().split(".")[0]
    if host not in nodes.stdout.split():
        pytest.skip(
            f"the Slurm here has no node named {host}: these tests read the node's local disk, so they "
            "need this machine as a node (`bash scripts/slurm-local.sh demo` makes one)"
        )
    return host


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """A Slurm that answers, with this machine as a node: the one here, else one started for these tests."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    why = _answers(env) if shutil.which("sbatch") else "sbatch not found"
    if why is None:
        yield Slurm(env, _this_node(env))
        return
    daemons = [d for d in ("slurmctld", "slurmd", "munged") if not shutil.which(d)]
    if daemons or os.geteuid() != 0:
        pytest.skip(
            f"no Slurm answers here ({why}) and none can be started "
            f"({'missing ' + ', '.join(daemons) if daemons else 'slurmd needs root'}): "
            "`bash scripts/slurm-local.sh demo` installs one (Debian, root) and runs these tests"
        )
    env["KATA_SLURM_DIR"] = str(tmp_path_factory.mktemp("slurm"))
    env["SLURM_CONF"] = f"{env['KATA_SLURM_DIR']}/slurm.conf"
    up = subprocess.run(["bash", str(SLURM_LOCAL), "up"], capture_output=True, text=True, timeout=300, env=env)
    if up.returncode != 0:  # the machine cannot run Slurm (e.g. a container without what slurmd needs)
        subprocess.run(["bash", str(SLURM_LOCAL), "down"], capture_output=True, timeout=300, env=env)
        pytest.skip(f"Slurm could not be started here: {(up.stderr.strip().splitlines() or ['no message'])[-1]}")
    try:
        yield Slurm(env, _this_node(env))
    finally:
        subprocess.run(["bash", str(SLURM_LOCAL), "down"], capture_output=True, timeout=300, env=env)


def _submit(
    slurm: Slurm, workdir: Path, array: str, course, grades: Path, *extra: str, task: tuple[str, ...] = TASK
) -> str:
    """grade.sbatch as it is, on this machine's node, with TMPDIR (the node-local disk) in `workdir`: the job id."""
    katas, submissions, _ = course
    command = [
        "sbatch",
        "--parsable",
        f"--array={array}",
        f"--nodelist={slurm.node}",
        *task,
        str(SBATCH),
        str(submissions),
        str(grades),
        str(SHARDS),
        "--katas",
        str(katas),
        *extra,
    ]
    (workdir / "node-local").mkdir(exist_ok=True)
    run = subprocess.run(
        command,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        env={**slurm.env, **SEEDED, "TMPDIR": str(workdir / "node-local")},
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip().split(";")[0]


def _finish(slurm: Slurm, job: str) -> dict[int, str]:
    """Wait until the job has left the queue (polled: `sbatch --wait` polls every 10 s); each task's JobState."""
    while subprocess.run(["squeue", "-h", "-j", job], capture_output=True, text=True, env=slurm.env).stdout.strip():
        time.sleep(0.25)
    return {index: times[0] for index, times in _schedule(slurm, job).items()}


def _task_output(workdir: Path, job: str, index: int) -> str:
    return (workdir / f"kata-grade-{job}_{index}.out").read_text()


def _merge(slurm: Slurm, course, grades: Path) -> Path:
    run = subprocess.run(
        ["bash", str(MERGE), str(grades), "--katas", str(course[0])],
        capture_output=True,
        text=True,
        timeout=300,
        env=slurm.env,
    )
    assert run.returncode == 0, run.stderr
    return grades / "all"


def _schedule(slurm: Slurm, job: str) -> dict[int, tuple[str, str, str, str, str]]:
    """Each array task's JobState, RunTime, SubmitTime, StartTime and EndTime as Slurm recorded them."""
    shown = subprocess.run(["scontrol", "show", "job", "-o", job], capture_output=True, text=True, env=slurm.env).stdout
    pattern = (
        r"ArrayTaskId=(\d+) .*?JobState=(\S+) .*?RunTime=(\S+) .*?SubmitTime=(\S+) .*?StartTime=(\S+) "
        r"EndTime=(\S+)"
    )
    return {int(m[1]): (m[2], m[3], m[4], m[5], m[6]) for m in re.finditer(pattern, shown)}


@pytest.fixture(scope="module")
def graded(slurm, course, tmp_path_factory):
    """The class graded by `sbatch --array=0-3`: the work folder, GRADES and the array's job id."""
    workdir = tmp_path_factory.mktemp("array")
    grades = workdir / "grades"
    started = time.monotonic()
    job = _submit(slurm, workdir, f"0-{SHARDS - 1}", course, grades)
    states = _finish(slurm, job)
    seconds = time.monotonic() - started
    outputs = {i: _task_output(workdir, job, i) for i in range(SHARDS)}
    assert states == dict.fromkeys(range(SHARDS), "COMPLETED"), "".join(outputs.values())
    schedule = _schedule(slurm, job)
    stamps = [datetime.fromisoformat(t) for times in schedule.values() for t in times[2:]]
    print(
        f"\nsbatch --array=0-{SHARDS - 1}: {len(LEARNERS)} learners x {len(KATAS)} katas, "
        f"{(max(stamps) - min(stamps)).seconds} s from submission to the last task's end (Slurm's times), "
        f"{seconds:.1f} s until the queue was empty"
    )
    for index, output in outputs.items():
        [summary] = SUMMARY.findall(output)
        _, runtime, _, start, end = schedule[index]
        print(
            f"  shard {index}/{SHARDS}: {summary[2]} learners, {summary[3]} jobs, task RunTime {runtime} "
            f"({start[11:]} to {end[11:]}), of which kata batch {summary[5]} s"
        )
    return workdir, grades, job


@cluster
@pytest.mark.slow
def test_array_merged_equals_one_machine(slurm, course, graded):
    _, _, single = course
    workdir, grades, _ = graded
    for index in range(SHARDS):
        assert json.loads((grades / f"shard-{index}" / "shard.json").read_text())["learners"] == _members(index)
    assert not list((workdir / "node-local").glob("kata-grade-*")), "a task left its node-local copy behind"
    merged = _merge(slurm, course, grades)
    assert _differences(merged, single) == []
    assert len(_grade_rows(merged / "grades.csv")) == len(LEARNERS) + 1  # and the max row
    print(
        f"  merged: {sum(1 for p in merged.rglob('*') if p.is_file())} files, each equal to one `kata batch`'s "
        "apart from times"
    )


@cluster
@pytest.mark.slow
def test_rerun_of_one_index_regrades_that_shard(slurm, course, graded):
    _, _, single = course
    workdir, grades, _ = graded
    index = max(range(SHARDS), key=lambda i: len(_members(i)))
    others = {i: _digest(grades / f"shard-{i}") for i in range(SHARDS) if i != index}
    job = _submit(slurm, workdir, str(index), course, grades, "--force")
    state = _finish(slurm, job)
    output = _task_output(workdir, job, index)
    assert state == {index: "COMPLETED"}, output
    [(shard, count, learners, jobs, reused, _)] = SUMMARY.findall(output)
    assert (int(shard), int(count)) == (index, SHARDS)
    assert (int(learners), int(jobs), int(reused)) == (len(_members(index)), len(_members(index)) * len(KATAS), 0)
    assert json.loads((grades / f"shard-{index}" / "shard.json").read_text())["learners"] == _members(index)
    assert {i: _digest(grades / f"shard-{i}") for i in others} == others  # no other shard touched
    assert _differences(_merge(slurm, course, grades), single) == []


@cluster
@pytest.mark.slow
def test_cancelled_task_resumes(slurm, course, tmp_path):
    """scancel while the task grades: its gradebook reaches shared storage; resubmitted, it grades the rest."""
    _, _, single = course
    grades = tmp_path / "grades"
    index = max(range(SHARDS), key=lambda i: len(_members(i)))
    total = len(_members(index)) * len(KATAS)
    job = _submit(slurm, tmp_path, str(index), course, grades)
    committed, deadline = 0, time.monotonic() + 600
    while committed < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
        for book in (tmp_path / "node-local").glob("kata-grade-*/out/gradebook.sqlite"):
            try:
                committed = _results(book)
            except sqlite3.OperationalError:
                pass  # the table is not there yet
    subprocess.run(["scancel", job], check=True, env=slurm.env)
    assert _finish(slurm, job) == {index: "CANCELLED"}
    saved = _results(grades / f"shard-{index}" / "gradebook.sqlite")
    assert 2 <= committed <= saved < total, f"cancelled after {committed}, saved {saved} of {total}"
    assert sorted(p.name for p in grades.iterdir()) == [f"shard-{index}"]  # no half-written copy

    rerun = _submit(slurm, tmp_path, str(index), course, grades)
    state = _finish(slurm, rerun)
    output = _task_output(tmp_path, rerun, index)
    assert state == {index: "COMPLETED"}, output
    [(_, _, _, jobs, reused, _)] = SUMMARY.findall(output)
    assert (int(jobs), int(reused)) == (total - saved, saved)
    rows = _grade_rows(grades / f"shard-{index}" / "grades.csv")
    expected = _grade_rows(single / "grades.csv")
    assert {k: v for k, v in rows.items() if k in _members(index)} == {k: expected[k] for k in _members(index)}


@cluster
@pytest.mark.slow
def test_memory_that_does_not_add_up_is_refused(slurm, course, tmp_path):
    job = _submit(slurm, tmp_path, "0", course, tmp_path / "grades", task=("--cpus-per-task=1", f"--mem={JOB_MB}M"))
    assert _finish(slurm, job) == {0: "FAILED"}
    output = _task_output(tmp_path, job, 0)
    assert f"is less than 1 workers x {JOB_MB} MB + 512 MB = {JOB_MB + 512}M" in output
    assert not (tmp_path / "grades").exists()


# --- Kubernetes --------------------------------------------------------------------------------------


def _manifest() -> list[dict]:
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the manifest")
    return list(yaml.safe_load_all(MANIFEST.read_text()))


def _container(documents: list[dict]) -> tuple[dict, dict]:
    [job] = [d for d in documents if d["kind"] == "Job"]
    [container] = job["spec"]["template"]["spec"]["containers"]
    return job, container


def test_manifest_validates_against_the_kubernetes_schema():
    validator = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate (PyPI) is not installed")
    documents = _manifest()
    assert [d["kind"] for d in documents] == ["Job", "NetworkPolicy"]
    for document in documents:
        validator.validate(document, validator.latest_version(), strict=True)
    _, container = _container(documents)
    container["resources"]["limit"] = container["resources"].pop("limits")  # a typo the validator must catch
    with pytest.raises(validator.ValidationError):
        validator.validate(documents[0], validator.latest_version(), strict=True)


def test_manifest_resources_add_up():
    documents = _manifest()
    job, container = _container(documents)
    env = {e["name"]: e["value"] for e in container["env"]}
    limits = container["resources"]["limits"]
    assert job["spec"]["completionMode"] == "Indexed" and job["spec"]["completions"] == int(env["SHARDS"])
    assert limits == container["resources"]["requests"] and int(limits["cpu"]) == int(env["WORKERS"])
    assert int(limits["memory"].removesuffix("Mi")) >= int(env["WORKERS"]) * int(env["KATA_JOB_MB"]) + 512
    pod = job["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] and not container["securityContext"]["allowPrivilegeEscalation"]
    [policy] = [d for d in documents if d["kind"] == "NetworkPolicy"]
    assert policy["spec"]["podSelector"]["matchLabels"] == job["spec"]["template"]["metadata"]["labels"]
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"] and "egress" not in policy["spec"]


@pytest.mark.slow
def test_manifest_script_grades_its_index_and_resumes(course, tmp_path):
    """The pod's script, run here with JOB_COMPLETION_INDEX as an Indexed Job sets it: shard I of SHARDS."""
    katas, submissions, single = course
    _, container = _container(_manifest())
    env = {e["name"]: e["value"] for e in container["env"]}
    shards = int(env["SHARDS"])
    index = max(range(shards), key=lambda i: len(_members(i, shards)))
    members = _members(index, shards)
    env.update(
        SUBMISSIONS=str(submissions),
        GRADES=str(tmp_path / "data" / "grades"),
        SCRATCH=str(tmp_path / "scratch"),
        HOME=str(tmp_path),
        WORKERS="1",
        KATA_OPTIONS=f"--katas {katas}",
        JOB_COMPLETION_INDEX=str(index),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    [script] = container["args"]
    runs = [
        subprocess.run([*container["command"], script], capture_output=True, text=True, timeout=600, env=env)
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
    first, again = (SUMMARY.findall(run.stdout)[0] for run in runs)
    assert first[:5] == (str(index), str(shards), str(len(members)), str(len(members) * len(KATAS)), "0")
    assert again[3:5] == ("0", str(len(members) * len(KATAS)))  # the second pod resumed from the saved gradebook
    shard = tmp_path / "data" / "grades" / f"shard-{index}"
    assert json.loads((shard / "shard.json").read_text())["learners"] == members
    expected = _grade_rows(single / "grades.csv")
    assert {k: v for k, v in _grade_rows(shard / "grades.csv").items() if k in members} == {
        k: expected[k] for k in members
    }


@pytest.mark.parametrize("recipe", ["slurm", "kubernetes"])
def test_a_task_resumes_from_the_copy_a_stopped_save_left(recipe, tmp_path):
    # save() moves GRADES/shard-I aside, then the new copy into place: a task killed between the two
    # moves leaves only shard-I.old, and the rerun started from nothing instead of from that copy
    grades, bin_dir = tmp_path / "grades", tmp_path / "bin"
    (grades / "shard-0.old").mkdir(parents=True)
    (grades / "shard-0.old" / "gradebook.sqlite").write_text("saved results\n")
    bin_dir.mkdir()
    fake = bin_dir / "kata"  # stands in for `kata batch`: records what the task started from
    fake.write_text(
        "#!/bin/bash\nwhile (($#)); do [[ $1 == -o ]] && out=$2; shift; done\n"
        'cat "$out/gradebook.sqlite" > "$out/started-from" 2>/dev/null || echo nothing > "$out/started-from"\n'
    )
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "TMPDIR": str(tmp_path)}
    if recipe == "slurm":
        env.update(SLURM_ARRAY_TASK_ID="0", SLURM_JOB_ID="7", SLURM_CPUS_PER_TASK="1")
        command = ["bash", str(SBATCH), str(tmp_path), str(grades), "1"]
    else:
        _, container = _container(_manifest())
        env.update({e["name"]: e["value"] for e in container["env"]})
        env.update(SUBMISSIONS=str(tmp_path), GRADES=str(grades), SCRATCH=str(tmp_path / "scratch"))
        env.update(JOB_COMPLETION_INDEX="0", WORKERS="1", KATA_OPTIONS="")
        command = [*container["command"], container["args"][0]]
    task = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert task.returncode == 0, task.stderr
    assert (grades / "shard-0" / "started-from").read_text() == "saved results\n"
    assert not (grades / "shard-0.old").exists()
