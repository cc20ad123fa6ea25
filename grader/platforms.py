"""Grading inside Gradescope and PrairieLearn: what `kata export gradescope|prairielearn` builds and
what runs there.

Both platforms read results only from inside their own grading container, so an export is a small
bundle that grades one submission there with this engine: the selected katas (a private pack: checks
and references), a `platform.json` (katas, limits, per-check visibility) and the entry point,
`python -m grader.platforms gradescope|prairielearn CONFIG SUBMISSION RESULTS`.

- Gradescope (autograder specification): a zip with `setup.sh` (installs torch and this package) and
  `run_autograder` at its root; the submission is `/autograder/submission`, the results
  `/autograder/results/results.json` with a `visibility` per test (`visible`, `after_due_date`,
  `after_published`, `hidden`).
- PrairieLearn (external grading): a question folder (info.json with `gradingMethod: External`,
  question.html, server.py, tests/) whose entry point reads `/grade/student` and writes
  `/grade/results/results.json`; the grading image is built from the exported Dockerfile, since the
  container has no network. PrairieLearn shows every test, so hidden checks are summed into one.

A submission is either the kata's files at the top level or a workspace (`<kata-id>/<files>`, also
inside one top folder). Before grading, each kata's reference is graded (the pre-flight): if that
fails, the environment is broken and the submission is reported as not gradable, never as 0.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import os
import shutil
import stat
import sys
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from grader import exports, notebook, preflight, submissions
from grader.catalog import Catalog, Kata, builtin_roots
from grader.course import VISIBILITIES
from grader.errors import KataError
from grader.results import LearnerResult, safe_data, safe_text
from grader.sandbox import Limits, files_that_count, is_submitted_file

CONFIG = "platform.json"


@dataclass(frozen=True)
class PlatformConfig:
    katas: list[str]
    visibility: str = "visible"  # the default for every check
    checks: dict[str, str] = field(default_factory=dict)  # "kata/check_id" -> visibility
    timeout: float | None = None
    memory_mb: int = Limits().memory_mb

    def visibility_of(self, kata: str, check: str) -> str:
        return self.checks.get(f"{kata}/{check}", self.visibility)

    def to_json(self) -> str:
        return (
            json.dumps(
                {
                    "katas": self.katas,
                    "visibility": self.visibility,
                    "checks": self.checks,
                    "timeout": self.timeout,
                    "memory_mb": self.memory_mb,
                },
                indent=2,
            )
            + "\n"
        )

    @classmethod
    def read(cls, path: Path) -> "PlatformConfig":
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(list(data["katas"]), data["visibility"], dict(data["checks"]), data["timeout"], data["memory_mb"])


def parse_visibility(default: str, settings: list[str], checks: dict[str, list[str]]) -> tuple[str, dict[str, str]]:
    """`--visibility hidden` and `--check tensors/test_move_to=after_due_date`, checked against the
    check ids of the katas being exported (`checks`: kata id -> its check ids)."""
    if default not in VISIBILITIES:
        raise KataError(f"--visibility must be one of {', '.join(VISIBILITIES)}, not '{default}'")
    chosen: dict[str, str] = {}
    for setting in settings:
        name, _, value = setting.partition("=")
        kata_id, _, check = name.partition("/")
        if value not in VISIBILITIES or check not in checks.get(kata_id, ()):
            raise KataError(
                f"--check takes KATA/CHECK=VISIBILITY (one of {', '.join(VISIBILITIES)}) for a check "
                f"of a kata being exported, not '{setting}'"
            )
        chosen[f"{kata_id}/{check}"] = value
    return default, chosen


def _kata_folder(submission: Path, kata: Kata, staging: Path) -> Path:
    """Where this kata's files are: `<kata-id>/` (maybe inside one top folder), else the top level,
    else the one visible folder at the top (a zip of `homework/tensors.py`, maybe with `__MACOSX/`
    beside it, uploads as that folder: its files were left ungraded, 0 points)."""
    try:
        root, found = submissions.kata_root(submission, [kata.id])
        if kata.id in found:
            return root / kata.id
    except (submissions.Rejected, OSError):
        pass
    try:
        children = [c for c in submission.iterdir() if not c.name.startswith((".", "__MACOSX"))]
    except OSError:
        return submission
    candidates = [submission]
    if len(children) == 1 and children[0].is_dir() and not children[0].is_symlink():
        candidates.append(children[0])
    for folder in candidates:
        if is_submitted_file(folder / f"{kata.id}{notebook.NOTEBOOK_SUFFIX}"):
            return _copied_as_kata_folder(folder, kata, staging)
        if files_that_count(folder, kata.files):
            return folder
    return submission


def _copied_as_kata_folder(submission: Path, kata: Kata, staging: Path) -> Path:
    """`staging/<kata-id>/` holding the kata's files and its notebook `<kata-id>.ipynb` from
    `submission`: the grader finds a kata's notebook in a folder named after the kata
    (notebook.notebook_path). Times are kept: the later saved of the notebook and the .py is graded."""
    folder = staging / kata.id
    folder.mkdir(parents=True, exist_ok=True)
    for name in (*kata.files, f"{kata.id}{notebook.NOTEBOOK_SUFFIX}"):
        if is_submitted_file(submission / name):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(submission / name, folder / name)
    return folder


def grade_submission(catalog: Catalog, config: PlatformConfig, submission: Path) -> LearnerResult:
    """One submission graded on the CPU after the pre-flight; `preflight.EnvironmentBroken` if that fails."""
    from grader.runner import grade_many
    from grader.worker import Job, Worker

    katas = [catalog.get(k) for k in config.katas]
    limits = Limits(timeout=config.timeout, memory_mb=config.memory_mb)
    worker = Worker(katas)
    preflight.references(worker, katas, "cpu", limits)
    with tempfile.TemporaryDirectory(prefix="kata-submission-") as staging:
        jobs = [Job(k, _kata_folder(submission, k, Path(staging)), "cpu", limits) for k in katas]
        by_kata = {job.kata.id: result for job, result in grade_many(worker, jobs)}
    return LearnerResult(submission.name, [by_kata[k.id] for k in katas])


def _public_output(learner: LearnerResult) -> str:
    """The learner's progress and each kata that did not run cleanly: nothing names a check."""
    return "; ".join(
        [exports.progress(learner)]
        + [f"{k.kata}: {k.status}" for k in learner.katas if k.status not in exports.ANSWERED]
    )


def gradescope_results(learner: LearnerResult, config: PlatformConfig) -> dict:
    tests = [
        {
            "name": f"{kata.kata}: {check.title}",
            "name_format": "text",
            "score": check.points,
            "max_score": check.max_points,
            "status": "passed" if check.outcome == "passed" else "failed",
            "output": check.message,
            "output_format": "text",
            "visibility": config.visibility_of(kata.kata, check.id),
        }
        for kata in learner.katas
        for check in kata.checks
    ]
    return safe_data(
        {
            "score": learner.points,
            "output": _public_output(learner),
            "output_format": "text",
            "execution_time": round(sum(k.duration for k in learner.katas if math.isfinite(k.duration))),
            "stdout_visibility": "hidden",
            "tests": tests,
        }
    )


def prairielearn_results(learner: LearnerResult, config: PlatformConfig) -> dict:
    """PrairieLearn shows every test: checks not `visible` are summed into one 'hidden checks' test."""
    tests, hidden = [], {"points": 0.0, "max_points": 0.0}
    for kata in learner.katas:
        for check in kata.checks:
            if config.visibility_of(kata.kata, check.id) != "visible":
                hidden["points"] += check.points
                hidden["max_points"] += check.max_points
                continue
            tests.append(
                {
                    "name": f"{kata.kata}: {check.title}",
                    "description": check.title_zh,
                    "points": check.points,
                    "max_points": check.max_points,
                    "message": check.message,
                }
            )
    if hidden["max_points"]:
        tests.append({"name": "hidden checks", "description": "", "message": "", **hidden})
    score = learner.points / learner.max_points if learner.max_points else 0.0
    return safe_data({"gradable": True, "score": score, "message": _public_output(learner), "tests": tests})


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")


def run(platform: str, config_path: Path, submission: Path, results: Path) -> int:
    """The entry point inside the platform's container. Exit 0 once results.json is written."""
    config = PlatformConfig.read(config_path)
    catalog = Catalog.load(config_path.parent / "pack" / "katas")
    try:
        learner = grade_submission(catalog, config, submission)
    except preflight.EnvironmentBroken as exc:
        if platform == "prairielearn":  # not the learner's fault: PrairieLearn records no score
            _write(results, {"gradable": False, "score": 0.0, "message": safe_text(str(exc)), "tests": []})
            return 0
        print(f"the grading environment is broken, no score recorded: {exc}", file=sys.stderr)
        return 1  # Gradescope then reports that the autograder failed
    _write(
        results,
        gradescope_results(learner, config) if platform == "gradescope" else prairielearn_results(learner, config),
    )
    return 0


# --- building the bundles ------------------------------------------------------------------------

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image (with network access).
set -euxo pipefail
apt-get update
apt-get install -y python3 python3-venv python3-pip
python=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    # the grader needs Python 3.11 or newer: Ubuntu 22.04 ships 3.10 and has 3.11 beside it
    apt-get install -y python3.11 python3.11-venv || {{
        echo "torch-katas needs Python 3.11 or newer: choose the Ubuntu 22.04 base image or a newer one" >&2
        exit 1
    }}
    python=python3.11
fi
"$python" -m venv /opt/katas
/opt/katas/bin/pip install --index-url https://download.pytorch.org/whl/cpu "torch=={torch}"
/opt/katas/bin/pip install /autograder/source/torch-katas
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission: grade /autograder/submission, write results.json.
exec "${{KATA_PYTHON:-/opt/katas/bin/python}}" -m grader.platforms gradescope \\
    "${{AUTOGRADER:-/autograder}}/source/{config}" "${{AUTOGRADER:-/autograder}}/submission" \\
    "${{AUTOGRADER:-/autograder}}/results/results.json"
"""

RUN_PRAIRIELEARN = """#!/usr/bin/env bash
# PrairieLearn's entry point: grade /grade/student, write /grade/results/results.json.
exec "${{KATA_PYTHON:-/opt/katas/bin/python}}" -m grader.platforms prairielearn \\
    "${{GRADE:-/grade}}/tests/{config}" "${{GRADE:-/grade}}/student" "${{GRADE:-/grade}}/results/results.json"
"""

DOCKERFILE = """# The PrairieLearn grading image: torch (CPU) and torch-katas; the grading container has no network.
FROM python:3.11-slim
RUN python -m venv /opt/katas \\
 && /opt/katas/bin/pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu "torch=={torch}"
COPY torch-katas /tmp/torch-katas
RUN /opt/katas/bin/pip install --no-cache-dir /tmp/torch-katas && rm -rf /tmp/torch-katas
"""


def _copy_pack(katas: list[Kata], dest: Path) -> None:
    for kata in katas:
        shutil.copytree(kata.folder, dest / "katas" / kata.folder.name, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(
            kata.reference, dest / "reference" / kata.folder.name, ignore=shutil.ignore_patterns("__pycache__")
        )


_BUNDLE_PYPROJECT = """[build-system]
requires = ["hatchling>=1.18"]
build-backend = "hatchling.build"

[project]
name = "torch-katas"
version = "{version}"
requires-python = ">=3.11"
dependencies = {dependencies}

[project.scripts]
kata = "grader.cli:app"

[tool.hatch.build.targets.wheel]
packages = ["grader"]
"""


def _copy_project(dest: Path) -> None:
    """This package as a project the platform's image can `pip install`, in the wheel's layout (the
    built-in katas inside the package), whether `kata` runs from a source checkout or a wheel."""
    package = Path(__file__).resolve().parent
    katas, reference = builtin_roots()

    def skipped(folder: str, names: list[str]) -> list[str]:
        unwanted = {"__pycache__"} | ({"katas", "reference"} if Path(folder) == package else set())
        return [name for name in names if name in unwanted or name.endswith(".pyc")]

    shutil.copytree(package, dest / "grader", ignore=skipped)
    for source in (katas, reference):
        shutil.copytree(source, dest / "grader" / source.name, ignore=skipped)
    metadata = importlib.metadata.metadata("torch-katas")
    needs = [need for need in metadata.get_all("Requires-Dist") or [] if "extra ==" not in need]
    pyproject = _BUNDLE_PYPROJECT.format(version=metadata["Version"], dependencies=json.dumps(needs))
    (dest / "pyproject.toml").write_text(pyproject, encoding="utf-8")


def _executable(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _torch_version() -> str:
    from importlib.metadata import version

    return version("torch").split("+")[0]


def build_gradescope(katas: list[Kata], config: PlatformConfig, out: Path) -> Path:
    """The autograder zip, setup.sh and run_autograder at its root."""
    if out.is_dir():
        raise KataError(f"{out}: a folder; -o names the zip to write, e.g. {out / 'autograder.zip'}")
    with submissions.staging_folder(prefix="kata-gradescope-") as tmp:
        root = tmp / "autograder"  # beside the staging folder's owner file, never in the zip
        root.mkdir()
        _executable(root / "setup.sh", SETUP_SH.format(torch=_torch_version()))
        _executable(root / "run_autograder", RUN_AUTOGRADER.format(config=CONFIG))
        (root / CONFIG).write_text(config.to_json(), encoding="utf-8")
        _copy_pack(katas, root / "pack")
        _copy_project(root / "torch-katas")
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.partial")  # replaces an earlier export only once complete
        try:
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
                for path in sorted(root.rglob("*")):
                    if path.is_file():
                        info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=(2020, 1, 1, 0, 0, 0))
                        info.external_attr = (path.stat().st_mode & 0o777) << 16
                        info.compress_type = zipfile.ZIP_DEFLATED
                        zf.writestr(info, path.read_bytes())
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    return out


def _question_html(kata: Kata) -> str:
    editors = "\n".join(
        f'<pl-file-editor file-name="{name}" ace-mode="ace/mode/python" source-file-name="clientFilesQuestion/stub/{name}">'
        f"</pl-file-editor>"
        for name in kata.files
    )
    return f"""<pl-question-panel>
  <p>{escape(kata.title["en"])} / {escape(kata.title["zh"])}</p>
  <p>{escape(kata.summary["en"])}</p>
</pl-question-panel>
{editors}
<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
  <pl-file-preview></pl-file-preview>
</pl-submission-panel>
"""


SERVER_PY = '''"""Checks the form of a submission before it is queued for external grading."""

FILES = {files!r}


def parse(data):
    names = {{f.get("name") for f in data["submitted_answers"].get("_files", [])}}
    missing = [name for name in FILES if name not in names]
    if missing:
        data["format_errors"]["_files"] = "missing file(s): " + ", ".join(missing)
'''


def build_prairielearn(katas: list[Kata], config: PlatformConfig, out: Path, image: str) -> list[Path]:
    """One question folder per kata under `out/questions/`, and the grading image's Dockerfile.

    The export owns `questions/kata-<id>/` of the katas it exports, `torch-katas/` and `Dockerfile`:
    everything is built in a staging folder first, then replaces those, so that exporting again into
    the same folder works and a failed export leaves the earlier one whole."""
    if out.exists() and not out.is_dir():
        raise KataError(f"{out}: not a folder; -o names the folder to export into")
    out.mkdir(parents=True, exist_ok=True)
    # in `out`, so that the moves below stay on one disk; one left by a killed export goes next time
    with submissions.staging_folder(out, prefix=".kata-export-") as staging:
        for kata in katas:
            _prairielearn_question(kata, config, image, staging / "questions" / f"kata-{kata.id}")
        _copy_project(staging / "torch-katas")
        (staging / "Dockerfile").write_text(DOCKERFILE.format(torch=_torch_version()), encoding="utf-8")
        (out / "questions").mkdir(exist_ok=True)
        questions = []
        for kata in katas:
            name = Path("questions") / f"kata-{kata.id}"
            _replace(staging / name, out / name)
            questions.append(out / name)
        _replace(staging / "torch-katas", out / "torch-katas")
        _replace(staging / "Dockerfile", out / "Dockerfile")
    return questions


def _replace(new: Path, old: Path) -> None:
    """Put `new` where `old` is, whatever `old` was (a folder, a file, a link or nothing)."""
    if old.is_dir() and not old.is_symlink():
        shutil.rmtree(old)
    elif old.exists() or old.is_symlink():
        old.unlink()
    os.replace(new, old)


def _prairielearn_question(kata: Kata, config: PlatformConfig, image: str, qid: Path) -> None:
    (qid / "tests").mkdir(parents=True)
    info = {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"torch-katas/{kata.id}")),
        "type": "v3",
        "title": kata.title["en"],
        "topic": "PyTorch",
        "tags": ["torch-katas", kata.id],
        "singleVariant": True,
        "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True,
            "image": image,
            "entrypoint": "/grade/tests/run.sh",
            "timeout": int(config.timeout or kata.timeout) + 60,  # room for the pre-flight
        },
    }
    (qid / "info.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (qid / "question.html").write_text(_question_html(kata), encoding="utf-8")
    (qid / "server.py").write_text(SERVER_PY.format(files=list(kata.files)), encoding="utf-8")
    shutil.copytree(kata.folder / "stub", qid / "clientFilesQuestion" / "stub")
    single = PlatformConfig(
        [kata.id],
        config.visibility,
        {k: v for k, v in config.checks.items() if k.startswith(f"{kata.id}/")},
        config.timeout,
        config.memory_mb,
    )
    (qid / "tests" / CONFIG).write_text(single.to_json(), encoding="utf-8")
    _executable(qid / "tests" / "run.sh", RUN_PRAIRIELEARN.format(config=CONFIG))
    _copy_pack([kata], qid / "tests" / "pack")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.platforms", description=__doc__.splitlines()[0])
    parser.add_argument("platform", choices=("gradescope", "prairielearn"))
    parser.add_argument("config", type=Path)
    parser.add_argument("submission", type=Path)
    parser.add_argument("results", type=Path)
    args = parser.parse_args(argv)
    return run(args.platform, args.config, args.submission, args.results)


if __name__ == "__main__":
    raise SystemExit(main())
