"""`kata import canvas|moodle|gradescope DOWNLOAD -o SUBMISSIONS`: a bulk download as `kata batch` input.

Each LMS names the files of its "download all submissions" zip after the learner:

- Canvas: `<sortable name>_[LATE_]<user id>_<submission id>_<file name>`, where a resubmitted file may
  carry `-<n>` before its extension (`tensors-1.py`);
- Moodle: `<Full Name>_<participant id>_assignsubmission_file_<file name>`, or the same prefix as a
  folder holding the files ("download submissions in folders");
- Gradescope ("Export Submissions"): a folder `submission_<id>/` per submission, and
  `submission_metadata.yml` naming its submitters (`:name:`, `:sid:`, `:email:`); the first submitter
  of a group submission stands for it.

The learner id is the LMS's id (`canvas-<user id>`, `moodle-<participant id>`, `gradescope-<sid or
email>`: what its grade import matches on), and `roster.csv` beside the submissions maps it to the
name, email and late flag (empty where the platform gives none: only Canvas does). A second import
into the same folder merges into its roster.csv, and every cell is escaped as grades.csv's are. A file
named by a kata (or its notebook, `<kata-id>.ipynb`) goes to `<learner>/<kata-id>/`; an uploaded zip
is extracted with the same checks as `kata batch` (no `..`, links or bombs) and must hold a
workspace. Anything else is listed as skipped. When a learner uploaded one file more than once, the
newest is graded: Canvas numbers uploads (the submission id, then `-<n>`) in the order they came, as
numbers, so `_10_` is newer than `_9_` and `tensors-10.py` than `tensors-2.py`; the older copies are
listed as skipped. Moodle and Gradescope give no order: the copy nearest the top of the submission is
graded, and copies equally near are all refused, naming each other.
"""

from __future__ import annotations

import csv
import re
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TextIO

from grader import exports, submissions
from grader.notebook import NOTEBOOK_SUFFIX
from grader.catalog import Kata
from grader.errors import KataError
from grader.sandbox import walk

SYSTEMS = ("canvas", "moodle", "gradescope")
_DOWNLOADS = {  # what each platform calls its bulk download
    "canvas": "a Canvas 'Download Submissions' zip",
    "moodle": "a Moodle 'Download all submissions' zip",
    "gradescope": "a Gradescope 'Export Submissions' zip",
}
_ORDERED = ("canvas",)  # whose download numbers a learner's uploads in the order they came
_SAYS_LATE = ("canvas",)  # whose download flags a late submission (the others say nothing either way)
_ROSTER_COLUMNS = ["name", "email", "lms_id", "late", "submitted_at"]  # after `learner`
_GRADESCOPE_METADATA = "submission_metadata.yml"
_GRADESCOPE_TIME = re.compile(
    r"^(?P<date>\d{4}-\d\d-\d\d) (?P<time>\d\d:\d\d:\d\d)(?:\.\d+)? ?(?P<zone>[+-]\d\d:\d\d)$"
)
_TOP_KEY = re.compile(r"""^(?:[^\s:'"#][^:'"]*|'[^']+'|"[^"]+"):\s*$""")  # `submission_101:`
_YAML_KEY = re.compile(r"^(?P<indent>\s*)(?:-\s+)?:(?P<key>\w+):\s*(?P<value>.*)$")
_CANVAS = re.compile(r"^(?P<name>[^_]*)_(?P<late>LATE_)?(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?:file|onlinetext)_?(?P<file>.*)$")
_RESUBMITTED = re.compile(r"^(?P<stem>.+)-(?P<n>\d+)(?P<suffix>\.[^.]+)$")


@dataclass
class Learner:
    id: str
    name: str
    lms_id: str
    late: bool = False
    late_known: bool = False  # whether the platform says if the submission was late
    ordered: bool = False  # whether `files` come oldest first (the platform numbers uploads)
    email: str = ""
    submitted_at: str = ""  # ISO 8601, when the platform says
    files: list[tuple[str, Path]] = field(default_factory=list)  # (file name as submitted, where it is)


@dataclass
class Imported:
    learners: list[Learner]
    skipped: list[submissions.Skipped]


def gradescope_submitters(metadata: str, source: str = _GRADESCOPE_METADATA) -> dict[str, dict[str, str]]:
    """`submission_<id>` -> its first submitter's `name`, `sid` and `email`, from Gradescope's metadata
    (YAML with Ruby symbol keys; only this fixed shape is read, no YAML library needed). Text not in that
    shape is a `KataError` naming `source` and the line, never an empty answer."""
    _check_shape(metadata, source)
    found: dict[str, dict[str, str]] = {}
    current = None
    for line in metadata.splitlines():
        if line and not line[0].isspace() and line.rstrip().endswith(":"):
            current = found.setdefault(line.rstrip()[:-1].strip("'\""), {})
            continue
        match = _YAML_KEY.match(line)
        if current is not None and match and match["key"] in ("name", "sid", "email", "created_at"):
            current.setdefault(match["key"], match["value"].strip().strip("'\""))
    for who in found.values():  # `2026-03-01 10:00:00.000000000 -08:00` -> ISO 8601
        stamp = _GRADESCOPE_TIME.match(who.pop("created_at", ""))
        if stamp:
            who["submitted_at"] = f"{stamp['date']}T{stamp['time']}{stamp['zone']}"
    return found


def _check_shape(metadata: str, source: str) -> None:
    """The shape Gradescope writes: a top-level `submission_<id>:` per submission, its fields indented
    with spaces below it. Anything else (a damaged or hand-edited file) would read as no submitters."""
    keys = 0
    for number, line in enumerate(metadata.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped in ("---", "..."):
            continue
        indent = line[: len(line) - len(line.lstrip())]
        if "\t" in indent:
            problem = "a tab in the indentation"
        elif indent and keys:
            continue
        elif indent:
            problem = "an indented line before the first submission"
        elif _TOP_KEY.match(line):
            keys += 1
            continue
        else:
            problem = f"{_clip(stripped)!r} is not a 'submission_<id>:' line"
        raise KataError(f"{source}: line {number}: invalid YAML for Gradescope's export ({problem})")
    if not keys:
        raise KataError(f"{source}: invalid YAML for Gradescope's export (no 'submission_<id>:' in it)")


def _clip(text: str, length: int = 40) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _parse(system: str, relative: PurePosixPath) -> tuple[str, str, bool, str, int] | None:
    """(name, LMS id, late, file name, upload number) from a path of the download, or None when it is
    not a submission. The upload number orders one learner's uploads (Canvas: the submission id;
    Moodle gives no order nor late flag, so both are 0 and False there)."""
    if system == "canvas":
        match = _CANVAS.match(relative.name)
        return (match["name"], match["id"], bool(match["late"]), match["file"], int(match["sub"])) if match else None
    head = relative.parts[0]
    match = _MOODLE.match(head)
    if not match:
        return None
    inner = "/".join(relative.parts[1:]) if len(relative.parts) > 1 else match["file"]
    return (match["name"], match["id"], False, inner, 0) if inner else None


def _kata_of(name: str, katas: list[Kata]) -> tuple[Kata, str] | None:
    """The kata a submitted file belongs to, and its name there (`tensors-1.py` -> tensors.py)."""
    base = PurePosixPath(name).name
    candidates = [base]
    resubmitted = _RESUBMITTED.match(base)
    if resubmitted:
        candidates.append(resubmitted["stem"] + resubmitted["suffix"])
    for candidate in candidates:
        for kata in katas:
            if candidate in kata.files or candidate == kata.id + NOTEBOOK_SUFFIX:
                return kata, candidate
    return None


def _upload_order(upload: int, file_name: str) -> tuple[int, int]:
    """Oldest first: the upload number, then a resubmitted copy's `-<n>` (`tensors-10.py` is newer than
    `tensors-2.py`, and both than `tensors.py`)."""
    resubmitted = _RESUBMITTED.match(PurePosixPath(file_name).name)
    return upload, int(resubmitted["n"]) if resubmitted else 0


def read_download(system: str, download: Path, staging: Path) -> Imported:
    """Every learner of the download (a zip, extracted safely, or its folder) with their files."""
    if system not in SYSTEMS:
        raise KataError(f"import from {', '.join(SYSTEMS)}, not '{system}'")
    folder = download
    if download.is_file():
        try:
            submissions.extract_zip(download, staging)
        except submissions.Rejected as why:
            raise KataError(f"{download}: {why}") from None
        folder = staging
    elif not download.is_dir():
        raise KataError(f"{download}: no such file or folder")
    learners: dict[str, Learner] = {}
    skipped = []
    if system == "gradescope":
        found = [p for p in _files(folder) if p.name == _GRADESCOPE_METADATA]
        metadata = min(found, key=lambda p: len(p.parts), default=None)  # the export's own, not a learner's
        if metadata is None:
            raise KataError(f"{download}: no {_GRADESCOPE_METADATA} (is it Gradescope's 'Export Submissions' zip?)")
        shown = f"{download}: {metadata.relative_to(folder).as_posix()}"  # the download's name, never staging's
        try:
            text = metadata.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise KataError(f"{shown}: not UTF-8 text (is it Gradescope's own file?)") from None
        return _gradescope(metadata.parent, gradescope_submitters(text, shown), shown)
    uploads: dict[str, list[tuple[tuple[int, int], str, Path]]] = {}
    for path in _files(folder):
        relative = PurePosixPath(path.relative_to(folder).as_posix())
        parsed = _parse(system, relative)
        if parsed is None:
            skipped.append(submissions.Skipped(str(relative), f"not named as a {system} submission"))
            continue
        name, lms_id, late, file_name, upload = parsed
        learner = learners.setdefault(
            lms_id,
            Learner(f"{system}-{lms_id}", name, lms_id, late_known=system in _SAYS_LATE, ordered=system in _ORDERED),
        )
        learner.late |= late
        uploads.setdefault(lms_id, []).append((_upload_order(upload, file_name), file_name, path))
    for lms_id, files in uploads.items():  # oldest first, where the platform gives an order
        learners[lms_id].files = [(file_name, path) for _, file_name, path in sorted(files, key=lambda f: f[0])]
    return Imported(sorted(learners.values(), key=lambda lr: lr.id), skipped)


def _files(folder: Path) -> list[Path]:
    """The regular files beneath `folder`, sorted, links left out, however deep a download nests
    (Path.rglob recurses once per level and fails past Python's recursion limit)."""
    return sorted(folder / relative for relative, info in walk(folder) if stat.S_ISREG(info.st_mode))


def _gradescope(root: Path, submitters: dict[str, dict[str, str]], source: str) -> Imported:
    learners, skipped = [], []
    first: dict[str, str] = {}  # learner id -> the submission folder that gave it
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        who = submitters.get(folder.name)
        if not who or not (who.get("sid") or who.get("email")):
            skipped.append(submissions.Skipped(folder.name, f"no submitter in {_GRADESCOPE_METADATA}"))
            continue
        lms_id = who.get("sid") or who["email"]
        if "/" in lms_id or "\\" in lms_id or lms_id.startswith("."):
            skipped.append(submissions.Skipped(folder.name, f"the submitter id {lms_id!r} is no usable learner id"))
            continue
        if lms_id in first:  # one learner folder each: a second would overwrite the first
            raise KataError(
                f"{source}: {first[lms_id]} and {folder.name} have the same submitter '{lms_id}': "
                "keep one of them in the download, then import again"
            )
        first[lms_id] = folder.name
        files = [(path.relative_to(folder).as_posix(), path) for path in _files(folder)]
        learners.append(
            Learner(
                f"gradescope-{lms_id}",
                who.get("name", ""),
                lms_id,
                email=who.get("email", ""),
                submitted_at=who.get("submitted_at", ""),
                files=files,
            )
        )
    return Imported(sorted(learners, key=lambda lr: lr.id), skipped)


def write_submissions(
    imported: Imported, katas: list[Kata], out: Path, stream: TextIO = sys.stderr
) -> list[submissions.Skipped]:
    """`out/<learner>/<kata-id>/<file>` for each learner, and `out/roster.csv` merged with the one
    already there; what could not be placed. A learner left with nothing to grade is named on `stream`."""
    earlier = submissions.read_roster(out)  # before any folder changes: a broken roster stops here
    skipped = list(imported.skipped)
    out.mkdir(parents=True, exist_ok=True)
    for learner in imported.learners:
        folder = out / learner.id
        skipped += _write_learner(learner, katas, folder)
        if not any(folder.iterdir()):
            stream.write(f"{learner.id}: nothing gradable submitted\n")
    _write_roster(out / submissions.ROSTER, earlier, imported.learners, stream)
    return skipped


def _write_learner(learner: Learner, katas: list[Kata], folder: Path) -> list[submissions.Skipped]:
    """The learner's kata files and uploaded workspaces in `folder`; what could not be placed."""
    if folder.exists():
        shutil.rmtree(folder)  # a new download replaces the learner's files, never mixes with them
    folder.mkdir()
    not_graded = _copies_not_graded(learner, katas)
    skipped = []
    for index, (file_name, path) in enumerate(learner.files):
        if _is_zip(file_name):
            skipped += _extract_upload(learner, file_name, path, katas, folder)
            continue
        placed = _kata_of(file_name, katas)
        if placed is None:
            skipped.append(submissions.Skipped(f"{learner.id}: {file_name}", "no kata names this file"))
        elif index in not_graded:
            skipped.append(submissions.Skipped(f"{learner.id}: {file_name}", not_graded[index]))
        else:
            kata, name = placed
            (folder / kata.id).mkdir(exist_ok=True)
            shutil.copy2(path, folder / kata.id / name)  # its time tells whether it was late
    return skipped


def _is_zip(file_name: str) -> bool:
    return file_name.lower().endswith(".zip")


def _extract_upload(
    learner: Learner, file_name: str, path: Path, katas: list[Kata], folder: Path
) -> list[submissions.Skipped]:
    """An uploaded zip's kata folders into `folder`, with the same checks as `kata batch`."""
    try:
        with tempfile.TemporaryDirectory(prefix="kata-import-") as tmp:
            submissions.extract_zip(path, Path(tmp))
            root, found = submissions.kata_root(Path(tmp), [k.id for k in katas])
            for kata_id in found:
                shutil.copytree(root / kata_id, folder / kata_id, dirs_exist_ok=True)
    except submissions.Rejected as why:
        return [submissions.Skipped(f"{learner.id}: {file_name}", str(why))]
    return []


def _copies_not_graded(learner: Learner, katas: list[Kata]) -> dict[int, str]:
    """Index in `learner.files` -> why that copy is not graded, for each kata file given more than once."""
    copies: dict[tuple[str, str], list[int]] = {}  # (kata id, file name there) -> its copies
    for index, (file_name, _) in enumerate(learner.files):
        placed = None if _is_zip(file_name) else _kata_of(file_name, katas)
        if placed is not None:
            copies.setdefault((placed[0].id, placed[1]), []).append(index)
    reasons: dict[int, str] = {}
    for (_, name), indexes in copies.items():
        names = {index: learner.files[index][0] for index in indexes}
        reasons.update(_older_uploads(names, name) if learner.ordered else _farther_copies(names))
    return reasons


def _older_uploads(names: dict[int, str], name: str) -> dict[int, str]:
    """Every copy but the newest: the files come oldest first."""
    return {index: f"an older upload of {name}, not graded" for index in list(names)[:-1]}


def _farther_copies(names: dict[int, str]) -> dict[int, str]:
    """No upload order to go by, so no claim about age: the copy nearest the top of the submission is
    graded, and copies equally near are all refused, for the instructor to choose."""
    depth = {index: len(PurePosixPath(name).parts) for index, name in names.items()}
    nearest = [index for index in names if depth[index] == min(depth.values())]
    reasons = {
        index: f"not graded: {names[nearest[0]]} is nearer the top of the submission"
        for index in names
        if index not in nearest
    }
    if len(nearest) > 1:
        for index in nearest:
            others = ", ".join(names[other] for other in nearest if other != index)
            reasons[index] = (
                f"as near the top of the submission as {others}, and the download gives no upload order: "
                "none of them graded; keep one in the download, then import again"
            )
    return reasons


def _roster_row(learner: Learner) -> dict[str, str]:
    late = ("yes" if learner.late else "no") if learner.late_known else ""  # empty: the platform does not say
    return {
        "name": learner.name,
        "email": learner.email,
        "lms_id": learner.lms_id,
        "late": late,
        "submitted_at": learner.submitted_at,
    }


def _write_roster(path: Path, earlier: dict[str, dict[str, str]], learners: list[Learner], stream: TextIO) -> None:
    """roster.csv: the earlier rows (an instructor's edits and columns included), each learner of this
    download's row replacing theirs; every cell escaped as grades.csv's are, for Excel."""
    new = {learner.id: _roster_row(learner) for learner in learners}
    rows = {**earlier, **new}
    columns = list(dict.fromkeys([*_ROSTER_COLUMNS, *(column for row in earlier.values() for column in row)]))
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["learner", *columns])
        for learner, row in rows.items():
            writer.writerow(
                [
                    exports.spreadsheet_cell(learner),
                    *(exports.spreadsheet_cell(row.get(column, "")) for column in columns),
                ]
            )
    if earlier:
        replaced = len(new.keys() & earlier.keys())
        stream.write(f"{path}: {len(earlier) - replaced} rows kept, {replaced} replaced, {len(new) - replaced} added\n")


def import_download(
    system: str, download: Path, katas: list[Kata], out: Path, stream: TextIO = sys.stderr
) -> tuple[Imported, list[submissions.Skipped]]:
    with submissions.staging_folder(prefix="kata-import-") as staging:
        imported = read_download(system, download, staging / "download")  # beside the owner file
        if not imported.learners:
            example = f"; e.g. {imported.skipped[0].entry}: {imported.skipped[0].reason}" if imported.skipped else ""
            raise KataError(
                f"{download}: no learner in it: it does not look like {_DOWNLOADS[system]} "
                f"({len(imported.skipped)} entries skipped{example})"
            )
        return imported, write_submissions(imported, katas, out, stream)
