"""`kata import canvas|moodle|gradescope`: bulk downloads become `kata batch` input and a roster.

The downloads are built here with the file names each LMS documents for "download all submissions":
Canvas `<sortable name>_[LATE_]<user id>_<submission id>_<file>` (a resubmitted file as `<stem>-<n>.py`),
Moodle `<Full Name>_<participant id>_assignsubmission_file_` as a folder or as a file-name prefix,
Gradescope's export: `submission_<id>/` folders and `submission_metadata.yml` naming the submitters.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import exports, lms, sandbox, submissions
from grader.catalog import Catalog
from grader.errors import KataError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def katas():
    return list(Catalog.load())


def _file_of(katas, kata_id: str) -> str:
    return next(k for k in katas if k.id == kata_id).files[0]


def _workspace_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _roster(out: Path) -> dict[str, dict[str, str]]:
    with open(out / submissions.ROSTER, newline="", encoding="utf-8") as file:
        return {row["learner"]: row for row in csv.DictReader(file)}


def test_canvas_resubmissions_grade_the_newest_upload(katas, tmp_path):
    # Canvas numbers uploads in the order they came; as text "_10_" sorts before "_9_" and
    # "tensors-10.py" before "tensors-2.py", which graded an older file
    tensors = _file_of(katas, "tensors")
    stem = Path(tensors).stem
    members = {
        f"smithjohn_1234_9_{tensors}": b"# first\n",
        f"smithjohn_1234_10_{stem}-1.py": b"# newest\n",
        f"wangwu_77_90_{tensors}": b"# first\n",
        f"wangwu_77_90_{stem}-2.py": b"# third\n",
        f"wangwu_77_90_{stem}-10.py": b"# newest\n",
    }
    (tmp_path / "canvas.zip").write_bytes(_workspace_zip(members))
    out = tmp_path / "submissions"
    _, skipped = lms.import_download("canvas", tmp_path / "canvas.zip", katas, out)
    for learner in ("canvas-1234", "canvas-77"):
        assert (out / learner / "tensors" / tensors).read_bytes() == b"# newest\n"
    older = {s.entry for s in skipped if s.reason == f"an older upload of {tensors}, not graded"}
    assert older == {f"canvas-1234: {tensors}", f"canvas-77: {tensors}", f"canvas-77: {stem}-2.py"}


def test_an_uploaded_notebook_is_imported_for_its_kata(katas, tmp_path):
    members = {"zhangsan_LATE_99_100_tensors.ipynb": b"{}", "leeann_77_300_tensors-1.ipynb": b"{}"}
    (tmp_path / "canvas.zip").write_bytes(_workspace_zip(members))
    out = tmp_path / "submissions"
    _, skipped = lms.import_download("canvas", tmp_path / "canvas.zip", katas, out)
    assert not skipped
    assert (out / "canvas-99" / "tensors" / "tensors.ipynb").read_bytes() == b"{}"
    assert (out / "canvas-77" / "tensors" / "tensors.ipynb").read_bytes() == b"{}"


def test_canvas_download(katas, tmp_path):
    tensors, autograd = _file_of(katas, "tensors"), _file_of(katas, "autograd")
    members = {
        f"smithjohn_1234_5678_{tensors}": b"# john\n",
        f"zhangsan_LATE_99_100_{Path(tensors).stem}-1.py": b"# resubmitted late\n",
        "zhangsan_LATE_99_101_notes.txt": b"not a kata file",
        "leeann_77_300_workspace.zip": _workspace_zip({f"ws/autograd/{autograd}": b"# ann\n"}),
        "evil_66_400_slip.zip": _workspace_zip({f"../../{tensors}": b"x"}),
        "readme.txt": b"not from Canvas",
    }
    (tmp_path / "canvas.zip").write_bytes(_workspace_zip(members))
    out = tmp_path / "submissions"
    imported, skipped = lms.import_download("canvas", tmp_path / "canvas.zip", katas, out)
    assert [lr.id for lr in imported.learners] == ["canvas-1234", "canvas-66", "canvas-77", "canvas-99"]
    assert (out / "canvas-1234" / "tensors" / tensors).read_bytes() == b"# john\n"
    assert (out / "canvas-99" / "tensors" / tensors).read_bytes() == b"# resubmitted late\n"
    assert (out / "canvas-77" / "autograd" / autograd).read_bytes() == b"# ann\n"
    assert not list((out / "canvas-66").iterdir())  # the unsafe zip placed nothing
    reasons = {s.entry: s.reason for s in skipped}
    assert "no kata names this file" in reasons["canvas-99: notes.txt"]
    assert "outside the folder" in reasons["canvas-66: slip.zip"]
    assert "not named as a canvas submission" in reasons["readme.txt"]
    roster = _roster(out)
    assert roster["canvas-99"] == {
        "learner": "canvas-99",
        "name": "zhangsan",
        "email": "",
        "lms_id": "99",
        "late": "yes",
        "submitted_at": "",
    }
    assert roster["canvas-1234"]["late"] == "no"
    found, not_learners = submissions.find(out, [k.id for k in katas], tmp_path / "staging")
    assert {s.learner for s in found} == {"canvas-1234", "canvas-77", "canvas-99"}
    assert [s.entry for s in not_learners] == ["canvas-66"]  # roster.csv is not an entry


def test_moodle_download_in_folders_and_flat(katas, tmp_path):
    tensors = _file_of(katas, "tensors")
    download = tmp_path / "moodle"
    folder = download / "张三_41_assignsubmission_file_"
    folder.mkdir(parents=True)
    (folder / tensors).write_bytes(b"# zhang\n")
    (download / f"Ann Lee_42_assignsubmission_file_{tensors}").write_bytes(b"# ann\n")
    (download / "Ann Lee_42_assignsubmission_onlinetext_onlinetext.html").write_bytes(b"<p>hi</p>")
    out = tmp_path / "submissions"
    imported, skipped = lms.import_download("moodle", download, katas, out)
    assert {lr.id: lr.name for lr in imported.learners} == {"moodle-41": "张三", "moodle-42": "Ann Lee"}
    assert (out / "moodle-41" / "tensors" / tensors).read_bytes() == b"# zhang\n"
    assert (out / "moodle-42" / "tensors" / tensors).read_bytes() == b"# ann\n"
    assert [s.entry for s in skipped] == ["moodle-42: onlinetext.html"]


def test_a_download_nested_past_the_recursion_limit_imports_what_it_can(katas, tmp_path):
    """Path.rglob recursed once per level: 1,500 nested folders stopped the import with RecursionError."""
    tensors = _file_of(katas, "tensors")
    download = tmp_path / "moodle"
    folder = download / "Ann Lee_42_assignsubmission_file_"
    folder.mkdir(parents=True)
    (folder / tensors).write_bytes(b"# ann\n")
    here = download / "Bo_43_assignsubmission_file_"
    here.mkdir()
    for _ in range(1500):
        here = here / "d"
        here.mkdir()  # one level at a time: os.makedirs recurses too
    try:
        imported, _ = lms.import_download("moodle", download, katas, tmp_path / "submissions")
    finally:
        sandbox.remove_job_dir(download / "Bo_43_assignsubmission_file_")  # pytest's own cleanup recurses
    assert [lr.id for lr in imported.learners] == ["moodle-42"]
    assert (tmp_path / "submissions" / "moodle-42" / "tensors" / tensors).read_bytes() == b"# ann\n"


GRADESCOPE_METADATA = """---
submission_101:
  :submitters:
  - :name: Jane Doe
    :sid: '2024001'
    :email: jane@example.edu
  :created_at: 2026-03-01 10:00:00.000000000 -08:00
  :score: 0.0
submission_102:
  :submitters:
  - :name: 张三
    :sid: ''
    :email: zhang@example.edu
  - :name: Partner
    :sid: '2024003'
    :email: partner@example.edu
  :created_at: 2026-03-02 10:00:00.000000000 -08:00
submission_103:
  :submitters: []
"""


def test_gradescope_export(katas, tmp_path):
    tensors = _file_of(katas, "tensors")
    export = tmp_path / "assignment_7_export"
    (export / "submission_101").mkdir(parents=True)
    (export / "submission_101" / tensors).write_bytes(b"# jane\n")
    (export / "submission_102" / "tensors").mkdir(parents=True)
    (export / "submission_102" / "tensors" / tensors).write_bytes(b"# zhang\n")
    (export / "submission_103").mkdir()
    (export / "submission_metadata.yml").write_text(GRADESCOPE_METADATA, encoding="utf-8")
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in export.rglob("*"):
            zf.write(path, path.relative_to(tmp_path).as_posix())
    out = tmp_path / "submissions"
    imported, skipped = lms.import_download("gradescope", archive, katas, out)
    assert [lr.id for lr in imported.learners] == ["gradescope-2024001", "gradescope-zhang@example.edu"]
    assert (out / "gradescope-2024001" / "tensors" / tensors).read_bytes() == b"# jane\n"
    assert (out / "gradescope-zhang@example.edu" / "tensors" / tensors).read_bytes() == b"# zhang\n"
    assert [s.entry for s in skipped] == ["submission_103"]
    assert _roster(out)["gradescope-zhang@example.edu"]["name"] == "张三"
    assert _roster(out)["gradescope-2024001"]["submitted_at"] == "2026-03-01T10:00:00-08:00"
    with pytest.raises(KataError, match="submission_metadata.yml"):
        lms.import_download("gradescope", tmp_path / "submissions", katas, tmp_path / "again")


def test_import_command_and_unknown_system(katas, tmp_path):
    tensors = _file_of(katas, "tensors")
    download = tmp_path / "dl"
    download.mkdir()
    (download / f"smithjohn_1234_5678_{tensors}").write_bytes(b"# john\n")
    run = subprocess.run(
        [sys.executable, "-m", "grader", "import", "canvas", str(download), "-o", str(tmp_path / "subs")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0 and "1 learners (0 late), 0 files skipped" in run.stdout, run.stderr
    moodle = tmp_path / "moodle" / "John Smith_41_assignsubmission_file_"
    moodle.mkdir(parents=True)
    (moodle / tensors).write_bytes(b"# john\n")
    run = subprocess.run(
        [sys.executable, "-m", "grader", "import", "moodle", str(moodle.parent), "-o", str(tmp_path / "m")],
        capture_output=True,
        text=True,
    )
    # Moodle's download says nothing about lateness: no count of late learners is made up
    assert run.returncode == 0 and "1 learners, 0 files skipped" in run.stdout, run.stderr
    with pytest.raises(KataError, match="import from canvas, moodle, gradescope"):
        lms.import_download("blackboard", download, katas, tmp_path / "other")


def test_roster_columns_reach_grades_csv(tensors, tmp_path):
    from grader.results import LearnerResult

    learner = LearnerResult("canvas-99", [])
    exports.write_grades_csv(
        tmp_path / "grades.csv",
        [learner],
        [tensors.id],
        roster={"canvas-99": {"name": "张三", "lms_id": "99", "late": "yes"}},
    )
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as file:
        header, maximum, row = list(csv.reader(file))
    assert header[:4] == ["learner", "name", "lms_id", "late"] and row[:4] == ["canvas-99", "张三", "99", "yes"]
    assert maximum[:4] == [exports.MAX_ROW, "", "", ""]


def _gradescope_export(tmp_path: Path, tensors: str, metadata: str, folders: list[str]) -> Path:
    export = tmp_path / "assignment_7_export"
    for folder in folders:
        (export / folder).mkdir(parents=True)
        (export / folder / tensors).write_bytes(f"# {folder}\n".encode())
    (export / "submission_metadata.yml").write_text(metadata, encoding="utf-8")
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in export.rglob("*"):
            zf.write(path, path.relative_to(tmp_path).as_posix())
    return archive


@pytest.mark.parametrize(
    "metadata, problem",
    [
        ("submission_101: [\n  :submitters:\n", "line 1: invalid YAML"),
        ("---\n  :submitters:\nsubmission_101:\n", "line 2: invalid YAML"),
        ("submission_101:\n\t:submitters:\n", "line 2: invalid YAML for Gradescope's export (a tab"),
        ("<html><body>Sign in</body></html>\n", "line 1: invalid YAML"),
        ("---\n", "invalid YAML for Gradescope's export (no 'submission_<id>:'"),
    ],
)
def test_gradescope_metadata_that_is_not_valid_yaml_is_named(katas, tmp_path, metadata, problem):
    """Never 'no submitter' for every submission and 0 learners: the file itself is at fault."""
    archive = _gradescope_export(tmp_path, _file_of(katas, "tensors"), metadata, ["submission_101"])
    with pytest.raises(KataError, match=re.escape(problem)) as raised:
        lms.import_download("gradescope", archive, katas, tmp_path / "out")
    assert str(raised.value).startswith(f"{archive}: assignment_7_export/submission_metadata.yml: ")
    assert not (tmp_path / "out").exists()


def test_two_gradescope_submissions_of_one_learner_are_refused(katas, tmp_path):
    metadata = GRADESCOPE_METADATA.replace(":sid: ''", ":sid: '2024001'")  # 102 is Jane's too now
    archive = _gradescope_export(tmp_path, _file_of(katas, "tensors"), metadata, ["submission_101", "submission_102"])
    with pytest.raises(KataError, match="submission_101 and submission_102 have the same submitter '2024001'"):
        lms.import_download("gradescope", archive, katas, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("system, platform", [("moodle", "Moodle"), ("canvas", "Canvas"), ("gradescope", "Gradescope")])
def test_a_download_of_another_platform_is_an_error_naming_the_download(katas, tmp_path, system, platform):
    tensors = _file_of(katas, "tensors")
    metadata = "submission_1:\n  :submitters: []\n"  # Gradescope's, but the folders are not its
    archive = tmp_path / "download.zip"
    archive.write_bytes(
        _workspace_zip({f"smithjohn_1234_5678_{tensors}": b"# john\n", "submission_metadata.yml": metadata.encode()})
        if system != "canvas"
        else _workspace_zip({f"Ann Lee_42_assignsubmission_file_{tensors}": b"# ann\n"})
    )
    run = subprocess.run(
        [sys.executable, "-m", "grader", "import", system, str(archive), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.strip().count("\n") == 0 and f"{archive}: no learner in it" in run.stderr
    assert f"does not look like a {platform} " in run.stderr and "kata-import-" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_a_plain_zip_given_as_gradescope_is_named_by_the_download(katas, tmp_path):
    archive = tmp_path / "workspace.zip"
    archive.write_bytes(_workspace_zip({"tensors/tensors.py": b"# x\n"}))
    with pytest.raises(KataError) as raised:
        lms.import_download("gradescope", archive, katas, tmp_path / "out")
    assert str(raised.value).startswith(f"{archive}: no submission_metadata.yml")


def test_moodle_copies_of_one_file_grade_the_one_nearest_the_top(katas, tmp_path):
    """Moodle gives no upload order: the copy graded is the top-level one, and nothing is called older."""
    tensors = _file_of(katas, "tensors")
    folder = tmp_path / "moodle" / "Two Files_50_assignsubmission_file_"
    (folder / "v2").mkdir(parents=True)
    (folder / tensors).write_bytes(b"# top\n")
    (folder / "v2" / tensors).write_bytes(b"# stub\n")
    out = tmp_path / "submissions"
    _, skipped = lms.import_download("moodle", tmp_path / "moodle", katas, out, io.StringIO())
    assert (out / "moodle-50" / "tensors" / tensors).read_bytes() == b"# top\n"
    assert [s.entry for s in skipped] == [f"moodle-50: v2/{tensors}"]
    assert "older" not in skipped[0].reason and f"{tensors} is nearer the top" in skipped[0].reason


@pytest.mark.parametrize("system", ["moodle", "gradescope"])
def test_copies_of_one_file_equally_near_the_top_are_refused_naming_both(katas, tmp_path, system):
    tensors = _file_of(katas, "tensors")
    if system == "moodle":
        download, learner = tmp_path / "moodle" / "Two Files_50_assignsubmission_file_", "moodle-50"
    else:
        metadata = "submission_101:\n  :submitters:\n  - :name: Jane\n    :sid: '2024001'\n"
        download = _gradescope_export(tmp_path, tensors, metadata, ["submission_101"]).parent
        download, learner = download / "assignment_7_export" / "submission_101", "gradescope-2024001"
        (download / tensors).unlink()
    for copy in ("a", "b"):
        (download / copy).mkdir(parents=True)
        (download / copy / tensors).write_bytes(f"# {copy}\n".encode())
    source = tmp_path / "moodle" if system == "moodle" else download.parent
    out = tmp_path / "submissions"
    _, skipped = lms.import_download(system, source, katas, out, io.StringIO())
    assert not (out / learner / "tensors").exists()
    reasons = {s.entry: s.reason for s in skipped}
    assert set(reasons) == {f"{learner}: a/{tensors}", f"{learner}: b/{tensors}"}
    assert f"b/{tensors}" in reasons[f"{learner}: a/{tensors}"] and "older" not in reasons[f"{learner}: a/{tensors}"]


def _canvas_import(tmp_path: Path, katas, members: dict[str, bytes], out: Path) -> tuple[list, str]:
    download = tmp_path / f"canvas-{len(list(tmp_path.glob('canvas-*.zip')))}.zip"
    download.write_bytes(_workspace_zip(members))
    said = io.StringIO()
    _, skipped = lms.import_download("canvas", download, katas, out, said)
    return skipped, said.getvalue()


def test_a_second_download_merges_into_the_roster(katas, tmp_path):
    tensors = _file_of(katas, "tensors")
    out = tmp_path / "submissions"
    first = {f"zhangsan_LATE_99_100_{tensors}": b"# late\n", f"smithjohn_1234_5678_{tensors}": b"# john\n"}
    _canvas_import(tmp_path, katas, first, out)
    text = (out / submissions.ROSTER).read_text(encoding="utf-8")
    (out / submissions.ROSTER).write_text(text.replace("smithjohn", "John Smith"), encoding="utf-8")  # an edit
    second = {f"smithjohn_1234_5700_{tensors}": b"# john again\n", f"newperson_5_6_{tensors}": b"# new\n"}
    _, said = _canvas_import(tmp_path, katas, second, out)
    roster = _roster(out)
    assert set(roster) == {"canvas-99", "canvas-1234", "canvas-5"}
    assert roster["canvas-99"]["late"] == "yes" and roster["canvas-99"]["lms_id"] == "99"  # kept
    assert roster["canvas-1234"]["name"] == "smithjohn"  # replaced by the new download's row
    assert f"{out / submissions.ROSTER}: 1 rows kept, 1 replaced, 1 added" in said


def test_a_roster_edit_to_a_learner_not_in_the_new_download_is_kept(katas, tmp_path):
    tensors = _file_of(katas, "tensors")
    out = tmp_path / "submissions"
    _canvas_import(tmp_path, katas, {f"zhangsan_LATE_99_100_{tensors}": b"# late\n"}, out)
    with open(out / submissions.ROSTER, "a", newline="", encoding="utf-8") as file:
        csv.writer(file).writerow(["canvas-7", "Added By Hand", "", "7", "no", ""])
    _, said = _canvas_import(tmp_path, katas, {f"smithjohn_1234_5678_{tensors}": b"# john\n"}, out)
    assert _roster(out)["canvas-7"]["name"] == "Added By Hand" and "2 rows kept, 0 replaced, 1 added" in said


def test_roster_names_that_look_like_formulas_are_escaped_and_read_back(katas, tmp_path):
    tensors = _file_of(katas, "tensors")
    out = tmp_path / "submissions"
    members = {f"=cmd()_1_2_{tensors}": b"# a\n", f"+1_3_4_{tensors}": b"# b\n", f"-x_5_6_{tensors}": b"# c\n"}
    _canvas_import(tmp_path, katas, members, out)
    names = {learner: row["name"] for learner, row in _roster(out).items()}
    assert names == {"canvas-1": "'=cmd()", "canvas-3": "'+1", "canvas-5": "'-x"}  # text in Excel
    read = submissions.read_roster(out)
    assert {learner: row["name"] for learner, row in read.items()} == {
        "canvas-1": "=cmd()",
        "canvas-3": "+1",
        "canvas-5": "-x",
    }


def test_a_gradescope_hyperlink_name_is_escaped_in_the_roster(katas, tmp_path):
    metadata = "submission_101:\n  :submitters:\n  - :name: =HYPERLINK(x)\n    :sid: '2024001'\n"
    archive = _gradescope_export(tmp_path, _file_of(katas, "tensors"), metadata, ["submission_101"])
    lms.import_download("gradescope", archive, katas, tmp_path / "out", io.StringIO())
    assert _roster(tmp_path / "out")["gradescope-2024001"]["name"] == "'=HYPERLINK(x)"
    assert submissions.read_roster(tmp_path / "out")["gradescope-2024001"]["name"] == "=HYPERLINK(x)"


def _zip_without_utf8_flag(names: dict[str, bytes], data: bytes) -> bytes:
    """A zip as Info-ZIP's `zip` 3.0 writes it: member names as raw bytes, the UTF-8 flag never set
    (`zipfile` sets it for any non-ASCII name, so each name goes in as an ASCII placeholder)."""
    placeholders = {f"NAME{n:0{len(raw) - 4}d}": raw for n, raw in enumerate(names.values())}
    archive = _workspace_zip({placeholder: data for placeholder in placeholders})
    for placeholder, raw in placeholders.items():
        archive = archive.replace(placeholder.encode(), raw)
    return archive


def test_zip_names_without_the_utf8_flag_are_read_as_utf8(katas, tmp_path):
    tensors = _file_of(katas, "tensors")
    names = {"utf8": f"张三_LATE_99_100_{tensors}".encode(), "cp437": f"M\x81ller_7_8_{tensors}".encode("latin-1")}
    archive = _zip_without_utf8_flag(names, b"# x\n")
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        assert not any(info.flag_bits & 0x800 for info in zf.infolist())  # as `zip` on Linux writes it
    (tmp_path / "canvas.zip").write_bytes(archive)
    lms.import_download("canvas", tmp_path / "canvas.zip", katas, tmp_path / "out", io.StringIO())
    names_read = {learner: row["name"] for learner, row in _roster(tmp_path / "out").items()}
    assert names_read == {"canvas-99": "张三", "canvas-7": "Müller"}  # not UTF-8: CP437, as unzip reads it


def test_an_uploaded_zip_without_the_utf8_flag_keeps_its_utf8_names(tmp_path):
    archive = _zip_without_utf8_flag({"name": "工作/张三.py".encode()}, b"# x\n")
    (tmp_path / "upload.zip").write_bytes(archive)
    submissions.extract_zip(tmp_path / "upload.zip", tmp_path / "out")
    assert (tmp_path / "out" / "工作" / "张三.py").read_bytes() == b"# x\n"


def test_late_is_empty_when_the_platform_gives_no_late_flag(katas, tmp_path):
    tensors = _file_of(katas, "tensors")
    (tmp_path / "moodle").mkdir()
    (tmp_path / "moodle" / f"Ann Lee_42_assignsubmission_file_{tensors}").write_bytes(b"# ann\n")
    lms.import_download("moodle", tmp_path / "moodle", katas, tmp_path / "m", io.StringIO())
    archive = _gradescope_export(tmp_path, tensors, GRADESCOPE_METADATA, ["submission_101"])
    lms.import_download("gradescope", archive, katas, tmp_path / "g", io.StringIO())
    assert _roster(tmp_path / "m")["moodle-42"]["late"] == ""
    assert _roster(tmp_path / "g")["gradescope-2024001"]["late"] == ""


def test_a_learner_with_nothing_gradable_is_named(katas, tmp_path):
    tensors = _file_of(katas, "tensors")
    members = {f"smithjohn_1234_5678_{tensors}": b"# john\n", "notes_1008_5009_notes.txt": b"no kata"}
    _, said = _canvas_import(tmp_path, katas, members, tmp_path / "c")
    assert said.splitlines() == ["canvas-1008: nothing gradable submitted"]
    metadata = GRADESCOPE_METADATA.replace("submission_103:\n  :submitters: []\n", "")
    metadata += "submission_104:\n  :submitters:\n  - :name: Empty\n    :sid: '2024004'\n"
    archive = _gradescope_export(tmp_path, tensors, metadata, ["submission_101"])
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("assignment_7_export/submission_104/", b"")
    said = io.StringIO()
    lms.import_download("gradescope", archive, katas, tmp_path / "g", said)
    assert said.getvalue().splitlines() == ["gradescope-2024004: nothing gradable submitted"]


def test_a_broken_roster_stops_the_import_before_anything_changes(katas, tmp_path):
    tensors = _file_of(katas, "tensors")
    out = tmp_path / "submissions"
    out.mkdir()
    (out / submissions.ROSTER).write_text("name\nAnn\n", encoding="utf-8")  # no learner column
    with pytest.raises(KataError, match="no 'learner' column"):
        _canvas_import(tmp_path, katas, {f"smithjohn_1234_5678_{tensors}": b"# john\n"}, out)
    assert [p.name for p in out.iterdir()] == [submissions.ROSTER]
