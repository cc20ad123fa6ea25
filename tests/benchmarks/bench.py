"""Benchmark: the naive grader (a fresh process per job) against the engine, and the floor.

    python tests/benchmarks/bench.py [--learners 50] [--workers W] [--katas tensors,...] [--quick] [--json FILE]

It builds a class of N learners (a mix of reference, stub and half-solved submissions: the reference
with some functions replaced by the stub's) for every kata that loads, then grades the class three
ways, each in its own process so peak memory is its own: (a) naive, one fresh Python per (learner,
kata) that runs the exercises and the judge in that same process, no sandbox, W at a time; (b) the
engine, `kata batch`; (c) the floor, every job's exercises and judge run inside one warm process
(after one warm-up pass per kata, whose cost is reported as first-use cost).
Last it times `kata grade tensors` against `python -c "import torch"`, interleaved, median of 5.
Not a test (no `test_` prefix): speed is measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tabulate import tabulate

from grader import procs
from grader.catalog import Kata, builtin_roots, load_kata
from grader.errors import KataError

KINDS = ("reference", "half", "stub")
KIND_WEIGHTS = (2, 2, 1)  # a class is mostly people part- or fully-done


# --- the class ------------------------------------------------------------------------------------


def usable_katas(ids: list[str] | None) -> list[Kata]:
    """Every kata folder that loads and has a stub, a reference and checks (others are mid-edit)."""
    katas_root, reference_root = builtin_roots()
    found = []
    for folder in sorted(p for p in katas_root.iterdir() if p.is_dir() and p.name[:1].isdigit()):
        try:
            kata = load_kata(folder, reference_root)
        except KataError as exc:
            print(f"skipped {folder.name}: {exc}", file=sys.stderr)
            continue
        complete = all((kata.stub / f).is_file() and (kata.reference / f).is_file() for f in kata.files)
        if complete and any(kata.checks.glob("exercise_*.py")):
            found.append(kata)
        else:
            print(f"skipped {folder.name}: stub, reference or checks missing", file=sys.stderr)
    if ids:
        by_id = {k.id: k for k in found}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise SystemExit(f"not usable: {', '.join(missing)}; usable: {', '.join(by_id)}")
        found = [by_id[i] for i in ids]
    return found


def make_pack(katas: list[Kata], root: Path) -> Path:
    """A private pack (`katas/` + `reference/`) of the usable katas, so half-written ones stay out."""
    for kata in katas:
        shutil.copytree(kata.folder, root / "katas" / kata.folder.name)
        shutil.copytree(kata.reference, root / "reference" / kata.folder.name)
    return root / "katas"


def _functions(source: str) -> dict[str, tuple[int, int]]:
    """Top-level function name -> (first line, last line), decorators included."""
    spans = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            spans[node.name] = (first, node.end_lineno)
    return spans


def half_solved(reference: str, stub: str, rng: random.Random) -> str:
    """The reference with about half of its functions swapped for the stub's versions."""
    ours, theirs = _functions(reference), _functions(stub)
    shared = sorted(set(ours) & set(theirs))
    swap = set(rng.sample(shared, k=max(1, len(shared) // 2))) if shared else set()
    lines, stub_lines = reference.splitlines(), stub.splitlines()
    for name in sorted(swap, key=lambda n: ours[n][0], reverse=True):
        first, last = ours[name]
        stub_first, stub_last = theirs[name]
        lines[first - 1 : last] = stub_lines[stub_first - 1 : stub_last]
    return "\n".join(lines) + "\n"


def make_class(katas: list[Kata], learners: int, root: Path, seed: int = 0) -> dict[str, str]:
    """`root/<learner>/<kata-id>/<files>` for each learner; returns learner -> kind."""
    rng = random.Random(seed)
    kinds = {}
    for number in range(learners):
        learner = f"learner{number:03d}"
        kinds[learner] = kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        for kata in katas:
            folder = root / learner / kata.id
            folder.mkdir(parents=True)
            for name in kata.files:
                reference = (kata.reference / name).read_text(encoding="utf-8")
                stub = (kata.stub / name).read_text(encoding="utf-8")
                text = {"reference": reference, "stub": stub}.get(kind) or half_solved(reference, stub, rng)
                (folder / name).write_text(text, encoding="utf-8")
    return kinds


# --- the three arms (each runs in its own process: `bench.py --arm NAME --spec FILE`) --------------


def _rusage_mb() -> dict[str, float]:
    # ru_maxrss is in KiB on Linux: the largest resident set of this process / of any reaped child
    return {
        "peak_rss_parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_rss_children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def _jobs(spec: dict) -> list[tuple[str, str]]:
    return [(learner, kata_id) for learner in spec["learners"] for kata_id in spec["katas"]]


class InProcessGrader:
    """The floor: a kata's exercises and judge in this one process, no child, no sandbox."""

    def __init__(self, katas: list[Kata], threads: int):
        import torch

        from grader import judge
        from grader.child import ExerciseCollection

        self.collection = ExerciseCollection(katas)
        self.judges = {k.id: judge.load_checks(k) for k in katas}
        self.jobs = 0
        torch.set_num_threads(threads)

    def grade(self, kata: Kata, folder: Path) -> bool:
        """Every check of one job; True at full marks."""
        from grader import judge, plugin
        from grader.channel import Observed, ParentChannel

        self.jobs += 1
        judgement = judge.Judgement(self.judges[kata.id], f"bench:{self.jobs}", "cpu", kata.data_dir)
        read_end, write_end = os.pipe()
        for module in kata.files:  # each job imports the learner's files afresh
            sys.modules.pop(module.removesuffix(".py"), None)
        context = plugin.JobContext(
            folder,
            kata.files,
            data_dir=kata.data_dir,
            channel_fd=write_end,
            inputs=_copied(judgement.inputs),
        )
        plugin.set_context(context)
        channel = ParentChannel()
        items = self.collection.items[kata.id]
        with ThreadPoolExecutor(1) as reader:  # drain the pipe while the exercises write to it
            drained = reader.submit(_read_all, read_end)
            for item, next_item in zip(items, [*items[1:], None]):  # pytest's protocol, as in the child
                item.ihook.pytest_runtest_protocol(item=item, nextitem=next_item)
            os.close(write_end)
            channel.feed(drained.result())
        verdicts = [judgement.verdict(e.id, e.value, e.duration) for e in channel.records if isinstance(e, Observed)]
        judgement.close()
        return len(verdicts) == len(judgement.inputs) and all(v.outcome.value == "passed" for v in verdicts)


def _copied(inputs: dict) -> dict:
    """The inputs as a child gets them: through the encoding, so the learner's code cannot change the
    judge's own tensors (in one process they would be the same objects)."""
    from grader.observations import decode, encode

    return decode(json.loads(json.dumps(encode(inputs))))


def _read_all(fd: int) -> bytes:
    data = bytearray()
    while chunk := os.read(fd, 1 << 20):
        data += chunk
    os.close(fd)
    return bytes(data)


def naive_job(spec_file: str, learner: str, kata_id: str) -> None:
    """One job of the naive grader, in a fresh process: prints 1 when it earned full marks."""
    from grader.catalog import Catalog

    spec = json.loads(Path(spec_file).read_text())
    kata = Catalog.load(Path(spec["pack"])).get(kata_id)
    passed = InProcessGrader([kata], spec["threads"]).grade(kata, Path(spec["class"]) / learner / kata_id)
    print(int(passed))


def arm_naive(spec: dict) -> dict:
    env = {**os.environ, **spec["thread_env"], "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}

    def one(job: tuple[str, str]) -> dict:
        learner, kata_id = job
        command = [sys.executable, __file__, "--naive-job", spec["spec_file"], learner, kata_id]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=spec["scratch"], env=env, capture_output=True, text=True)
        return {
            "learner": learner,
            "kata": kata_id,
            "seconds": time.perf_counter() - started,
            "passed": done.stdout.strip().endswith("1"),
        }

    with ThreadPoolExecutor(spec["workers"]) as pool:
        jobs = list(pool.map(one, _jobs(spec)))
    return {"jobs": jobs, "how": "a fresh python per job", **_rusage_mb()}


def arm_engine(spec: dict) -> dict:
    out = Path(spec["scratch"]) / "batch-out"
    command = [
        sys.executable,
        "-m",
        "grader",
        "batch",
        spec["class"],
        "-o",
        str(out),
        "--workers",
        str(spec["workers"]),
        "--katas",
        spec["pack"],
        "--force",
    ]
    done, serial = run_watching_serial(command)
    if done.returncode not in (0, 1):
        raise SystemExit(f"kata batch failed ({done.returncode}):\n{done.stderr[-2000:]}")
    jobs = []
    for learner in _learner_results(json.loads((out / "grades.json").read_text(encoding="utf-8"))):
        for kata in learner["katas"]:
            jobs.append(
                {
                    "learner": learner["learner"],
                    "kata": kata["kata"],
                    "seconds": kata["duration"],
                    "passed": kata["status"] == "passed",
                }
            )
    return {"jobs": jobs, "how": "kata batch", "serial_cpu_seconds": serial, **_rusage_mb()}


# --- the serial part of `kata batch` ----------------------------------------------------------------


def _own_cpu(pid: int) -> float | None:
    """CPU seconds of this one process (user + system; its children not included), from /proc."""
    try:
        fields = procs.stat_fields(pid)
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_watching_serial(
    command: list[str], profile: Path | None = None
) -> tuple[subprocess.CompletedProcess, dict[str, float]]:
    """Run a `kata batch` to its end, reading every 0.1 s the CPU seconds of its own process, which
    judges every job, and of its zygote (its child with most CPU), which starts, watches and ends
    every job, counted from the first job's start (imports and collection are no job's). Each does
    that work one job at a time: however many cores, jobs/s cannot pass 1 / (the larger of the two
    per job). On a machine with many cores these two, not the jobs, set the rate. `profile`: a folder
    where py-spy records where each of the two spends its CPU, from the first job on."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        spent: dict[int, float] = {}
        before: dict[int, float] | None = None  # when the first job started
        recorders: list[subprocess.Popen] = []
        while process.poll() is None:
            table = procs.scan()
            children = {p.pid for p in table if p.ppid == process.pid}
            for pid in (process.pid, *children):
                seconds = _own_cpu(pid)
                if seconds is not None:
                    spent[pid] = seconds
            if before is None and any(p.ppid in children for p in table):
                before = dict(spent)
                zygote = max(children, key=lambda pid: spent.get(pid, 0.0))
                recorders = _record_cpu(profile, {"kata-process": process.pid, "zygote": zygote}) if profile else []
            time.sleep(0.1)
        for recorder in recorders:
            recorder.wait()
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(command, process.returncode, out.read(), err.read())
    grading = {pid: seconds - (before or {}).get(pid, 0.0) for pid, seconds in spent.items()}
    own = grading.pop(process.pid, 0.0)
    return done, {"kata process": own, "zygote": max(grading.values(), default=0.0)}


def _record_cpu(folder: Path, processes: dict[str, int]) -> list[subprocess.Popen]:
    """py-spy on each process until it exits: its on-CPU stacks, 50 a second, as NAME.txt."""
    spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if spy is None:
        print("no py-spy here: no profile recorded", file=sys.stderr)
        return []
    folder.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                spy,
                "record",
                "-p",
                str(pid),
                "-r",
                "50",
                "-f",
                "raw",
                "--nonblocking",
                "-o",
                str(folder / f"{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in processes.items()
    ]


def profile_summary(raw: Path, shown: int = 25) -> str:
    """The functions a py-spy raw profile spent most in (callees included), as shares of its samples;
    those in every sample (the way down from `main`) left out."""
    total, spent = 0, Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        for frame in set(stack.split(";")):
            function, _, where = frame.partition(" (")
            spent[f"{function} ({Path(where.split(':')[0]).name})"] += int(count)
    rows = [f"{count / total:6.1%}  {frame}" for frame, count in spent.most_common() if count < total][:shown]
    return "\n".join([f"{raw.stem}: {total} samples ({total / 50:.1f} s of CPU)", *rows])


def serial_line(serial: dict[str, float], jobs: int) -> str:
    per_job = {name: 1000 * seconds / max(1, jobs) for name, seconds in serial.items()}
    ceiling = 1000 / max(1e-9, *per_job.values())
    return (
        "serial CPU per job, from the first job on (pre-flight included): "
        + ", ".join(f"{name} {ms:.0f} ms" for name, ms in per_job.items())
        + f": at most {ceiling:.1f} jobs/s on any number of cores"
    )


def _learner_results(data) -> list[dict]:
    """Every learner result in grades.json, whatever it wraps them in."""
    if isinstance(data, dict) and "learner" in data and "katas" in data:
        return [data]
    values = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    return [found for value in values for found in _learner_results(value)]


def arm_floor(spec: dict) -> dict:
    """Each job's exercises and judge in this one warm process: pytest's protocol and the checks, no child."""
    from grader.catalog import Catalog

    catalog = Catalog.load(Path(spec["pack"]))
    katas = [catalog.get(k) for k in spec["katas"]]
    grader = InProcessGrader(katas, spec["threads"])

    def run(learner: str, kata: Kata) -> float:
        started = time.perf_counter()
        grader.grade(kata, Path(spec["class"]) / learner / kata.id)
        return time.perf_counter() - started

    first_use, imported_late = {}, {}
    for kata in katas:  # warm-up: what a forked child would pay on top if nothing were pre-imported
        before = set(sys.modules)
        first_use[kata.id] = run(spec["learners"][0], kata)
        learner_modules = tuple(name.removesuffix(".py") for name in kata.files)
        imported_late[kata.id] = sorted(m for m in set(sys.modules) - before if not m.startswith(learner_modules))
    jobs = [{"learner": learner, "kata": k, "seconds": run(learner, catalog.get(k))} for learner, k in _jobs(spec)]
    return {
        "jobs": jobs,
        "how": "one warm process",
        "first_use_seconds": first_use,
        "imported_after_collection": imported_late,
        **_rusage_mb(),
    }


ARMS = {"naive": arm_naive, "engine": arm_engine, "floor": arm_floor}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str]) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run to the end; (result, wall seconds, CPU seconds of it and every process it reaped)."""
    cpu, started = _children_cpu(), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    return done, time.perf_counter() - started, _children_cpu() - cpu


def run_arm(name: str, spec_file: Path) -> dict:
    """The arm in a fresh process, timed from outside: start-up, imports and collection count.
    CPU seconds are reported too: on a shared machine they move far less than wall time."""
    done, wall, cpu = timed([sys.executable, __file__, "--arm", name, "--spec", str(spec_file)])
    if done.returncode != 0:
        raise SystemExit(f"the {name} arm failed:\n{done.stderr[-3000:]}")
    return {**json.loads(done.stdout.splitlines()[-1]), "wall_seconds": wall, "cpu_seconds": cpu}


# --- kata grade vs import torch ---------------------------------------------------------------------


def grade_vs_import(pack: Path, scratch: Path, repeats: int) -> dict:
    """`kata grade tensors` on the reference vs bare `import torch`, interleaved; medians."""
    workspace = scratch / "workspace"
    kata_cmd = [sys.executable, "-m", "grader"]
    subprocess.run(
        [*kata_cmd, "start", "tensors", "-w", str(workspace), "--katas", str(pack)], check=True, capture_output=True
    )
    shutil.copyfile(pack.parent / "reference" / "01-tensors" / "tensors.py", workspace / "tensors" / "tensors.py")
    commands = {
        "python -c 'import torch'": [sys.executable, "-c", "import torch"],
        "kata grade tensors": [*kata_cmd, "grade", "tensors", "-w", str(workspace), "--katas", str(pack)],
        "kata list": [*kata_cmd, "list", "-w", str(workspace), "--katas", str(pack)],
    }
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            done, wall, cpu = timed(command)
            walls[name].append(wall)
            cpus[name].append(cpu)
            if name == "kata grade tensors" and done.returncode != 0:
                raise SystemExit(f"kata grade tensors did not pass:\n{done.stdout[-2000:]}")
    return {
        name: {
            "median_seconds": statistics.median(walls[name]),
            "median_cpu_seconds": statistics.median(cpus[name]),
            "runs": walls[name],
        }
        for name in commands
    }


# --- report -----------------------------------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summarize(arms: dict[str, dict], workers: int) -> dict:
    floor = {(j["learner"], j["kata"]): j["seconds"] for j in arms["floor"]["jobs"]}
    # The floor's wall is the checks' compute alone, spread perfectly over the workers.
    arms["floor"]["process_wall_seconds"] = arms["floor"]["wall_seconds"]
    arms["floor"]["wall_seconds"] = sum(floor.values()) / workers
    rows = {}
    for name, arm in arms.items():
        overhead = [j["seconds"] - floor[(j["learner"], j["kata"])] for j in arm["jobs"]]
        count = len(arm["jobs"])
        rows[name] = {
            "how": arm["how"],
            "jobs": count,
            "wall_seconds": round(arm["wall_seconds"], 2),
            "cpu_seconds": round(arm["cpu_seconds"], 1),
            "jobs_per_second": round(count / arm["wall_seconds"], 2),
            "overhead_ms_median": round(1000 * statistics.median(overhead), 1),
            "overhead_ms_p95": round(1000 * _percentile(overhead, 0.95), 1),
            "peak_rss_children_mb": round(arm["peak_rss_children_mb"]),
            "peak_rss_parent_mb": round(arm["peak_rss_parent_mb"]),
        }
    agree = sum(
        a["passed"] == b["passed"]
        for a, b in zip(sorted(arms["naive"]["jobs"], key=_key), sorted(arms["engine"]["jobs"], key=_key))
    )
    return {
        "arms": rows,
        "naive_over_engine": round(arms["naive"]["wall_seconds"] / arms["engine"]["wall_seconds"], 1),
        "naive_over_engine_cpu": round(arms["naive"]["cpu_seconds"] / arms["engine"]["cpu_seconds"], 1),
        "engine_over_floor": round(arms["engine"]["wall_seconds"] / arms["floor"]["wall_seconds"], 1),
        "naive_engine_agree": f"{agree}/{len(arms['naive']['jobs'])}",
        "engine_serial": serial_line(arms["engine"]["serial_cpu_seconds"], len(arms["engine"]["jobs"])),
        "first_use_seconds": arms["floor"]["first_use_seconds"],
        "imported_after_collection": arms["floor"]["imported_after_collection"],
    }


def _key(job: dict) -> tuple[str, str]:
    return job["learner"], job["kata"]


def render(report: dict) -> str:
    headers = [
        "arm",
        "how",
        "jobs",
        "wall s",
        "CPU s",
        "jobs/s",
        "overhead ms p50",
        "p95",
        "peak RSS child MB",
        "parent MB",
    ]
    rows = [[name, *row.values()] for name, row in report["summary"]["arms"].items()]
    summary = report["summary"]
    grade = report["grade_vs_import"]
    lines = [
        f"machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, "
        f"python {report['machine']['python']}, torch {report['machine']['torch']}, load average "
        f"{report['machine']['load_average_at_start'][0]:.1f} at start, {report['load_average_at_end'][0]:.1f} at end",
        f"class: {report['learners']} learners x {len(report['katas'])} katas ({', '.join(report['katas'])}), "
        f"{report['workers']} at a time, {report['threads']} thread(s) per job",
        "",
        tabulate(rows, headers=headers, tablefmt="simple"),
        "(floor: the checks' compute in one warm process, divided by the workers; its CPU s include start-up)",
        "",
        f"naive/engine wall: {summary['naive_over_engine']}x (CPU {summary['naive_over_engine_cpu']}x)   engine/floor wall: {summary['engine_over_floor']}x   "
        f"naive and engine agree on pass/fail: {summary['naive_engine_agree']}",
        f"engine: {summary['engine_serial']}",
        "first-use cost in a fresh process (warm-up pass): "
        + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in summary["first_use_seconds"].items()),
    ]
    if grade:
        torch_s = grade["python -c 'import torch'"]["median_seconds"]
        torch_cpu = grade["python -c 'import torch'"]["median_cpu_seconds"]
        rows = [
            [
                name,
                f"{v['median_seconds']:.2f}",
                f"{v['median_seconds'] / torch_s:.2f}x",
                f"{v['median_cpu_seconds']:.2f}",
                f"{v['median_cpu_seconds'] / torch_cpu:.2f}x",
            ]
            for name, v in grade.items()
        ]
        headers = [
            "command",
            f"wall s (median of {report['repeats']}, interleaved)",
            "vs import torch",
            "CPU s",
            "vs import torch",
        ]
        lines += ["", tabulate(rows, headers=headers, tablefmt="simple")]
    return "\n".join(lines)


def _machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import torch

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "load_average_at_start": os.getloadavg(),
    }


def serial_only(folder: str, out: str, options: list[str], profile: Path | None) -> int:
    """`kata batch FOLDER -o OUT OPTIONS`, its own output passed on, then the serial line (and where
    the CPU went, with `profile`); its exit status."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "grader", "batch", folder, "-o", out, *options]
    done, serial = run_watching_serial(command, profile)
    wall = time.perf_counter() - started
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    grades = Path(out) / "grades.json"
    learners = _learner_results(json.loads(grades.read_text(encoding="utf-8"))) if grades.is_file() else []
    jobs = sum(len(learner["katas"]) for learner in learners)
    print(f"{jobs} jobs in {wall:.1f} s ({jobs / wall:.2f} jobs/s, pre-flight included); {serial_line(serial, jobs)}")
    for raw in sorted(profile.glob("*.txt")) if profile else []:
        print(profile_summary(raw))
    return done.returncode


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50, help="class size (default 50)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="jobs at a time (default: cores)")
    parser.add_argument("--katas", help="comma-separated kata ids (default: every usable kata)")
    parser.add_argument("--quick", action="store_true", help="6 learners, 3 repeats: a smoke run")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument(
        "--serial",
        nargs=argparse.REMAINDER,
        metavar="FOLDER OUT [OPTIONS]",
        help="only run `kata batch FOLDER -o OUT OPTIONS` and say how much CPU its own process and its zygote spent per job",
    )
    parser.add_argument("--profile", type=Path, help="with --serial: py-spy profiles of both processes, in this folder")
    parser.add_argument("--arm", choices=ARMS, help=argparse.SUPPRESS)
    parser.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--naive-job", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.naive_job:
        naive_job(*args.naive_job)
        return
    if args.arm:
        print(json.dumps(ARMS[args.arm](json.loads(args.spec.read_text()))))
        return
    if args.serial is not None:
        if len(args.serial) < 2:
            parser.error("--serial needs the class folder and the output folder")
        raise SystemExit(serial_only(args.serial[0], args.serial[1], args.serial[2:], args.profile))
    learners, repeats = (6, 3) if args.quick else (args.learners, 5)
    katas = usable_katas(args.katas.split(",") if args.katas else None)
    if not katas:
        raise SystemExit("no usable katas")
    threads = max(1, (os.cpu_count() or 1) // args.workers)
    with tempfile.TemporaryDirectory(prefix="kata-bench-") as tmp:
        root = Path(tmp)
        pack = make_pack(katas, root / "pack")
        make_class(katas, learners, root / "class")
        (root / "scratch").mkdir()
        spec = {
            "pack": str(pack),
            "class": str(root / "class"),
            "scratch": str(root / "scratch"),
            "katas": [k.id for k in katas],
            "files": {k.id: list(k.files) for k in katas},
            "learners": sorted(p.name for p in (root / "class").iterdir()),
            "workers": args.workers,
            "threads": threads,
            "thread_env": {v: str(threads) for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
        }
        spec_file = root / "spec.json"
        spec["spec_file"] = str(spec_file)
        spec_file.write_text(json.dumps(spec))
        report = {
            "machine": _machine(),
            "learners": learners,
            "katas": spec["katas"],
            "workers": args.workers,
            "threads": threads,
            "repeats": repeats,
        }
        arms = {name: run_arm(name, spec_file) for name in ("floor", "engine", "naive")}
        report["summary"] = summarize(arms, args.workers)
        report["grade_vs_import"] = (
            grade_vs_import(pack, root / "scratch", repeats) if "tensors" in spec["katas"] else {}
        )
    report["load_average_at_end"] = os.getloadavg()
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
