"""`kata export gradescope|prairielearn`: the bundles match the platforms' documented formats, and their
entry points grade a submission on a fake `/autograder` or `/grade` tree as the platform would run them.

Field lists come from the platforms' documentation: Gradescope's autograder specification (zip root,
`/autograder/{source,submission,results}`, results.json keys and visibilities) and PrairieLearn's
external grading and question pages (info.json options, `/grade/{tests,student,results}`, results.json
keys) and its score upload CSV.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import stat
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from grader import platforms
from grader.catalog import load_kata
from grader.errors import KataError
from grader.sandbox import files_that_count
from grader.worker import Worker

REPO = Path(__file__).resolve().parents[1]
GRADESCOPE_TOP = {
    "score",
    "execution_time",
    "output",
    "output_format",
    "visibility",
    "stdout_visibility",
    "extra_data",
    "tests",
    "leaderboard",
    "test_output_format",
    "test_name_format",
}
GRADESCOPE_TEST = {
    "score",
    "max_score",
    "status",
    "name",
    "name_format",
    "number",
    "output",
    "output_format",
    "tags",
    "visibility",
    "extra_data",
}
PRAIRIELEARN_TOP = {"gradable", "score", "message", "output", "images", "tests"}
PRAIRIELEARN_TEST = {"name", "description", "points", "max_points", "message", "output", "images"}


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """A private pack with the tensors kata, and its check ids (derived, never written here)."""
    root = tmp_path_factory.mktemp("pack")
    shutil.copytree(REPO / "katas" / "01-tensors", root / "katas" / "01-tensors")
    shutil.copytree(REPO / "reference" / "01-tensors", root / "reference" / "01-tensors")
    kata = load_kata(root / "katas" / "01-tensors", root / "reference")
    return kata, [c.id for c in Worker([kata]).expected(kata)]


def _config(pack) -> platforms.PlatformConfig:
    kata, checks = pack
    return platforms.PlatformConfig(
        [kata.id], "visible", {f"{kata.id}/{checks[0]}": "hidden", f"{kata.id}/{checks[1]}": "after_due_date"}
    )


def _run(script: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KATA_PYTHON": sys.executable, **env},
    )


@pytest.mark.slow
def test_gradescope_autograder_grades_a_fake_autograder_tree(pack, tmp_path):
    kata, checks = pack
    archive = platforms.build_gradescope([kata], _config(pack), tmp_path / "autograder.zip")
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in zf.infolist()}
        zf.extractall(tmp_path / "autograder" / "source")
    assert {"setup.sh", "run_autograder", platforms.CONFIG} <= set(names)  # at the root, not in a folder
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    setup = (tmp_path / "autograder" / "source" / "setup.sh").read_text()
    assert "torch==" in setup and "/autograder/source/torch-katas" in setup
    assert subprocess.run(["bash", "-n", "-c", setup], check=False).returncode == 0  # valid bash, once formatted
    source = tmp_path / "autograder" / "source"
    for name in ("run_autograder", "setup.sh"):
        (source / name).chmod(modes[name])
    results = {}
    for label, text in (("reference", kata.reference / "tensors.py"), ("stub", kata.folder / "stub" / "tensors.py")):
        tree = tmp_path / label
        shutil.copytree(source, tree / "source", symlinks=True)
        (tree / "results").mkdir()
        # a reference uploaded as a plain file, the stub as a zipped workspace with one top folder
        target = tree / "submission" / ("" if label == "reference" else "workspace/tensors")
        target.mkdir(parents=True)
        shutil.copy(text, target / "tensors.py")
        run = _run(tree / "source" / "run_autograder", {"AUTOGRADER": str(tree)})
        assert run.returncode == 0, run.stderr
        results[label] = json.loads((tree / "results" / "results.json").read_text(encoding="utf-8"))
    for data in results.values():
        assert set(data) <= GRADESCOPE_TOP and all(set(t) <= GRADESCOPE_TEST for t in data["tests"])
        assert data["score"] == sum(t["score"] for t in data["tests"])
        assert all(t["visibility"] in platforms.VISIBILITIES for t in data["tests"])
        assert [t["visibility"] for t in data["tests"]][:2] == ["hidden", "after_due_date"]
        assert checks[0] not in data["output"]  # the summary never names a check
    assert results["reference"]["score"] == sum(t["max_score"] for t in results["reference"]["tests"]) > 0
    assert results["reference"]["output"] == "complete"
    assert results["stub"]["score"] == 0 and all(t["status"] == "failed" for t in results["stub"]["tests"])


def _build_isolation(scratch: Path) -> list[str]:
    """pip's options for building the bundle: the installed hatchling where there is one, else the one
    pip fetches; the test skips where neither is to be had (a machine without the package index)."""
    if importlib.util.find_spec("hatchling") is not None:
        return ["--no-build-isolation"]
    fetched = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(scratch), "hatchling>=1.18"],
        capture_output=True,
        timeout=300,
    )
    if fetched.returncode != 0:
        pytest.skip("hatchling, the bundle's build backend, is neither installed nor on a reachable package index")
    return []


@pytest.mark.slow  # builds a wheel (pip fetches hatchling from the package index unless it is installed)
def test_the_bundled_project_builds_a_wheel_with_the_grader_and_its_katas(pack, tmp_path):
    """What setup.sh and the Dockerfile `pip install`: the package, the built-in katas inside it, the
    `kata` command and this install's dependencies, from a source checkout as from a wheel."""
    kata, _ = pack
    isolation = _build_isolation(tmp_path / "backend")
    archive = platforms.build_gradescope([kata], _config(pack), tmp_path / "autograder.zip")
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "source")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *isolation, "-w", str(tmp_path / "wheel")]
        + [str(tmp_path / "source" / "torch-katas")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "wheel").glob("torch_katas-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = next(zf.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
        scripts = next(zf.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert {"grader/cli.py", "grader/katas/01-tensors/kata.toml", "grader/reference/01-tensors/tensors.py"} <= names
    assert "grader/probe/katas/00-probe/kata.toml" in names  # a folder named katas deeper down is kept
    assert not any("__pycache__" in name for name in names)
    assert "kata = grader.cli:app" in scripts
    assert "Requires-Dist: torch" in metadata and "ruff" not in metadata  # no test extra in the image


@pytest.mark.slow
def test_prairielearn_question_grades_a_fake_grade_tree(pack, tmp_path):
    kata, checks = pack
    [question] = platforms.build_prairielearn([kata], _config(pack), tmp_path / "pl", "example/grader")
    info = json.loads((question / "info.json").read_text(encoding="utf-8"))
    uuid.UUID(info["uuid"])
    assert info["type"] == "v3" and info["gradingMethod"] == "External" and info["singleVariant"] is True
    options = info["externalGradingOptions"]
    assert options["enabled"] is True and options["image"] == "example/grader" and options["timeout"] > kata.timeout
    assert (
        options["entrypoint"] == "/grade/tests/run.sh" and (question / "tests" / "run.sh").stat().st_mode & stat.S_IXUSR
    )
    html = (question / "question.html").read_text(encoding="utf-8")
    assert "<pl-external-grader-results>" in html and 'file-name="tensors.py"' in html
    assert (question / "clientFilesQuestion" / "stub" / "tensors.py").is_file()
    assert "torch==" in (tmp_path / "pl" / "Dockerfile").read_text()
    grade = tmp_path / "grade"
    shutil.copytree(question / "tests", grade / "tests")
    (grade / "student").mkdir()
    (grade / "results").mkdir()
    shutil.copy(kata.reference / "tensors.py", grade / "student" / "tensors.py")
    run = _run(grade / "tests" / "run.sh", {"GRADE": str(grade)})
    assert run.returncode == 0, run.stderr
    data = json.loads((grade / "results" / "results.json").read_text(encoding="utf-8"))
    assert set(data) <= PRAIRIELEARN_TOP and all(set(t) <= PRAIRIELEARN_TEST for t in data["tests"])
    assert data["gradable"] is True and data["score"] == 1.0
    names = [t["name"] for t in data["tests"]]
    assert names[-1] == "hidden checks" and len(names) == len(checks) - 1  # the two not-visible ones, summed
    assert not any(checks[0] in json.dumps(t) for t in data["tests"])


@pytest.mark.slow
def test_prairielearn_reports_a_broken_environment_as_not_gradable(pack, tmp_path):
    kata, _ = pack
    [question] = platforms.build_prairielearn([kata], _config(pack), tmp_path / "pl", "example/grader")
    reference = question / "tests" / "pack" / "reference" / "01-tensors" / "tensors.py"
    reference.write_text(reference.read_text() + "\n\ndef join_batches(a, b):\n    raise RuntimeError('broken')\n")
    grade = tmp_path / "grade"
    shutil.copytree(question / "tests", grade / "tests")
    (grade / "student").mkdir()
    (grade / "results").mkdir()
    shutil.copy(kata.reference / "tensors.py", grade / "student" / "tensors.py")
    run = _run(grade / "tests" / "run.sh", {"GRADE": str(grade)})
    assert run.returncode == 0, run.stderr
    data = json.loads((grade / "results" / "results.json").read_text(encoding="utf-8"))
    assert data["gradable"] is False and "join_batches" in data["message"]


def test_prairielearn_server_rejects_a_submission_without_the_files(pack, tmp_path):
    kata, _ = pack
    [question] = platforms.build_prairielearn([kata], _config(pack), tmp_path / "pl", "example/grader")
    spec = importlib.util.spec_from_file_location("pl_server", question / "server.py")
    server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(server)
    data = {"submitted_answers": {"_files": [{"name": "other.py", "contents": ""}]}, "format_errors": {}}
    server.parse(data)
    assert "tensors.py" in data["format_errors"]["_files"]
    complete = {"submitted_answers": {"_files": [{"name": "tensors.py", "contents": ""}]}, "format_errors": {}}
    server.parse(complete)
    assert complete["format_errors"] == {}


def test_visibility_settings_are_checked(pack):
    kata, checks = pack
    known = {kata.id: checks}
    assert platforms.parse_visibility("hidden", [f"{kata.id}/{checks[0]}=visible"], known) == (
        "hidden",
        {f"{kata.id}/{checks[0]}": "visible"},
    )
    for bad in ([f"{kata.id}/{checks[0]}=secret"], [f"{kata.id}/test_nothing=hidden"], ["other/x=hidden"]):
        with pytest.raises(Exception, match="--check takes"):
            platforms.parse_visibility("visible", bad, known)
    with pytest.raises(Exception, match="--visibility"):
        platforms.parse_visibility("sometimes", [], known)


@pytest.mark.slow
def test_export_takes_visibility_from_the_course_file_and_the_command_line(pack, tmp_path):
    kata, checks = pack
    course = tmp_path / "course.toml"
    course.write_text(
        f'visibility = "after_published"\n[katas.{kata.id}]\n'
        f'checks = {{ {checks[0]} = "hidden", {checks[1]} = "hidden" }}\n'
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "export",
            "gradescope",
            "-o",
            str(tmp_path / "a.zip"),
            "--katas",
            str(kata.folder.parent),
            "--course",
            str(course),
            "--check",
            f"{kata.id}/{checks[1]}=visible",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        config = json.loads(zf.read(platforms.CONFIG))
    assert config["katas"] == [kata.id] and config["visibility"] == "after_published"
    assert config["checks"] == {f"{kata.id}/{checks[0]}": "hidden", f"{kata.id}/{checks[1]}": "visible"}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_exporting_again_into_the_same_place_replaces_what_the_export_owns(pack, tmp_path):
    """A second export into the folder of the first works; what is not the export's is left alone."""
    kata, _ = pack
    out = tmp_path / "pl"
    platforms.build_prairielearn([kata], _config(pack), out, "example/grader")
    first = _tree(out)
    (out / "questions" / "my-own-question").mkdir()
    (out / "questions" / "my-own-question" / "info.json").write_text("{}")
    (out / "questions" / f"kata-{kata.id}" / "stale.txt").write_text("from an older export")
    (out / "torch-katas" / "grader" / "stale.py").write_text("")
    [question] = platforms.build_prairielearn([kata], _config(pack), out, "example/other-image")
    assert json.loads((question / "info.json").read_text())["externalGradingOptions"]["image"] == "example/other-image"
    second = _tree(out)
    assert (out / "questions" / "my-own-question" / "info.json").read_text() == "{}"
    del second["questions/my-own-question/info.json"]
    assert sorted(second) == sorted(first) and not [p for p in out.iterdir() if p.name.startswith(".")]

    archive = tmp_path / "autograder.zip"
    platforms.build_gradescope([kata], _config(pack), archive)
    platforms.build_gradescope([kata], _config(pack), archive)
    with zipfile.ZipFile(archive) as zf:
        assert zf.testzip() is None and "run_autograder" in zf.namelist()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    with pytest.raises(KataError, match="a folder; -o names the zip"):
        platforms.build_gradescope([kata], _config(pack), out)


def test_a_submission_zipped_in_one_folder_is_found(pack, tmp_path):
    # a zip of `homework/tensors.py` (with macOS's __MACOSX/ beside it) arrives as that folder: the
    # kata's file was not at the top, so it was never graded (0 points)
    kata, _ = pack
    (tmp_path / "homework").mkdir()
    (tmp_path / "homework" / kata.files[0]).write_text("# the learner's work\n")
    (tmp_path / "__MACOSX" / "homework").mkdir(parents=True)
    (tmp_path / "__MACOSX" / "homework" / f"._{kata.files[0]}").write_text("resource fork")
    assert platforms._kata_folder(tmp_path, kata, tmp_path / "staging") == tmp_path / "homework"
    (tmp_path / "other").mkdir()  # two folders: which one is the work is not for the grader to guess
    assert platforms._kata_folder(tmp_path, kata, tmp_path / "staging") == tmp_path
    (tmp_path / kata.files[0]).write_text("# at the top\n")  # the top level wins
    assert platforms._kata_folder(tmp_path, kata, tmp_path / "staging") == tmp_path


def test_a_notebook_uploaded_alone_is_graded_as_the_katas_notebook(pack, tmp_path):
    # a one-file upload of `<kata-id>.ipynb` lands at the top of the submission, whose folder is not
    # named after the kata: it was reported as "missing file" (0 points) where `kata batch` grades it
    kata, _ = pack
    name = f"{kata.id}.ipynb"
    (tmp_path / "top").mkdir()
    (tmp_path / "top" / name).write_text("{}")
    (tmp_path / "zipped" / "homework").mkdir(parents=True)  # a zip of one folder holding the notebook
    (tmp_path / "zipped" / "homework" / name).write_text("{}")
    for submission in (tmp_path / "top", tmp_path / "zipped"):
        folder = platforms._kata_folder(submission, kata, tmp_path / "staging" / submission.name)
        assert folder.name == kata.id and files_that_count(folder, kata.files) == [folder / name]
        assert (folder / name).read_text() == "{}"
