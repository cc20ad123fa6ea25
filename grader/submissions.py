"""Finding a class's submissions: one entry per learner, a folder or a `.zip`, staged safely.

A learner's entry is `<learner>/<kata-id>/<files>` (a workspace), as a folder or as a zip whose
top level is that layout or a single folder holding it. Zips are extracted into a private staging
folder only after every member passed the checks (no `..`, no absolute path, no link, at most
`MAX_MEMBERS` members and `MAX_UNZIPPED_BYTES` in all, counting the bytes actually written).
Anything else is `Skipped` with a reason, never an exception. A hidden entry (`.git`, a name starting
with `.`) is never graded, and listed as skipped when it holds kata folders.

Each zip is extracted into a folder named by its position, never by the learner id: on a
case-insensitive disk (macOS, Windows) `Alice.zip` and `alice.zip` would otherwise share one folder
and both learners be graded on one's files. The staging folder records its owner process, so that a
batch killed with `kill -9` leaves nothing for long: the next batch removes staging folders whose
owner is gone.
"""

from __future__ import annotations

import csv
import io
import lzma
import os
import shutil
import socket
import stat
import time
import tempfile
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Iterator

from grader.errors import KataError

ROSTER = "roster.csv"  # beside the learners (`kata import`): learner id -> name, LMS id; not a learner
MAX_MEMBERS = 2000
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
_ENCRYPTED = 0x1  # a zip member's general purpose flag: zipfile raises RuntimeError when asked to read it
_UTF8_NAME = 0x800  # the flag that says a member's name is UTF-8; without it zipfile reads CP437
STAGING_PREFIX = "kata-batch-"
_OWNER = "owner"  # inside a staging folder: "<host> <pid> <start time>" of the batch that made it
_UNOWNED_AGE = 24 * 3600  # seconds: a staging folder without an owner file (older versions) is stale after this


@dataclass
class Submission:
    learner: str
    root: Path  # the folder that holds `<kata-id>/` folders
    katas: list[str] = field(default_factory=list)

    def folder(self, kata_id: str) -> Path:
        return self.root / kata_id


@dataclass(frozen=True)
class Skipped:
    entry: str
    reason: str


class Rejected(Exception):
    """An entry that cannot be graded; the message is the reason."""


def printable(name: str) -> str:
    """A file name as text, whatever its encoding (undecodable bytes shown as \\xNN)."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _learner_id(entry: Path) -> str:
    name = entry.stem if entry.suffix.lower() == ".zip" and entry.is_file() else entry.name
    try:
        os.fsencode(name).decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected("the name is not valid UTF-8; rename it") from None
    if not usable_id(name):
        raise Rejected("the name is not usable as a learner id")
    return name


def usable_id(name: str) -> bool:
    """Printable, not hidden (`.x`), not blank: a learner id every export can hold."""
    return name.isprintable() and not name.startswith(".") and bool(name.strip())


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as written: Info-ZIP's `zip` (Linux) stores UTF-8 names without the UTF-8 flag,
    so a name that is valid UTF-8 is read as that, as unzip does; anything else stays CP437."""
    if info.flag_bits & _UTF8_NAME:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


def _check_member(info: zipfile.ZipInfo) -> PurePosixPath:
    name = member_name(info).replace("\\", "/")
    path = PurePosixPath(name)
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise Rejected(f"zip member {name!r} has an absolute path")
    if ".." in path.parts:
        raise Rejected(f"zip member {name!r} points outside the folder (../)")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise Rejected(f"zip member {name!r} is a symbolic link")
    if info.flag_bits & _ENCRYPTED:
        raise Rejected(f"zip member {name!r} is password-protected: ask for a zip without a password")
    return path


def extract_zip(archive: Path, target: Path) -> None:
    """Extract `archive` into `target`, refusing zip-slip, links and zip bombs."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            if len(members) > MAX_MEMBERS:
                raise Rejected(f"zip has {len(members)} members (more than {MAX_MEMBERS})")
            checked = [(info, _check_member(info)) for info in members]
            if sum(info.file_size for info in members) > MAX_UNZIPPED_BYTES:
                raise Rejected(f"zip unpacks to more than {MAX_UNZIPPED_BYTES // 2**20} MB")
            written = 0
            for info, path in checked:
                destination = target.joinpath(*path.parts)
                if info.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as source, open(destination, "wb") as out:
                    # the header's sizes can lie: count what really comes out
                    while chunk := source.read(1 << 20):
                        written += len(chunk)
                        if written > MAX_UNZIPPED_BYTES:
                            raise Rejected(f"zip unpacks to more than {MAX_UNZIPPED_BYTES // 2**20} MB")
                        out.write(chunk)
                _keep_time(destination, info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, zlib.error, lzma.LZMAError) as exc:
        raise Rejected(f"not a readable zip ({exc})") from None
    except OSError as exc:
        raise Rejected(f"could not be extracted ({exc.strerror or exc})") from None


def _keep_time(path: Path, info: zipfile.ZipInfo) -> None:
    """The member's time (local time, as zips store it) as the file's: a course's due date reads it."""
    try:
        when = time.mktime((*info.date_time, 0, 0, -1))
        os.utime(path, (when, when))
    except (OverflowError, ValueError, OSError):
        pass  # a nonsense date in the header: the file keeps the time it was written


def only_folder(folder: Path) -> Path | None:
    """The one folder at the top of `folder`, as a zip of a folder unpacks (dot files and macOS'
    __MACOSX beside it do not count), else None. A link is never followed out of a submission."""
    children = [c for c in folder.iterdir() if not c.name.startswith((".", "__MACOSX"))]
    if len(children) == 1 and children[0].is_dir() and not children[0].is_symlink():
        return children[0]
    return None


def kata_root(folder: Path, kata_ids: list[str]) -> tuple[Path, list[str]]:
    """The folder holding kata folders: `folder` itself or its single visible subfolder."""
    found = [k for k in kata_ids if (folder / k).is_dir() and not (folder / k).is_symlink()]
    if found:
        return folder, found
    inner = only_folder(folder)
    if inner is not None:
        found = [k for k in kata_ids if (inner / k).is_dir() and not (inner / k).is_symlink()]
        if found:
            return inner, found
    raise Rejected(f"no kata folder inside (expected e.g. {kata_ids[0]}/)")


def _holds_katas(entry: Path, kata_ids: list[str]) -> bool:
    """Whether a folder looks like a learner's (kata folders inside, maybe in one top folder)."""
    if entry.is_symlink() or not entry.is_dir():
        return False
    try:
        kata_root(entry, kata_ids)
    except (Rejected, OSError):
        return False
    return True


def find(submissions: Path, kata_ids: list[str], staging: Path) -> tuple[list[Submission], list[Skipped]]:
    """Every gradable learner under `submissions` (zips extracted under `staging`) and the rest."""
    found: dict[str, Submission] = {}
    skipped: list[Skipped] = []
    for entry in sorted(submissions.iterdir(), key=lambda p: os.fsencode(p.name)):
        shown = printable(entry.name)
        if entry.name in ("__MACOSX", ROSTER):
            continue
        if entry.name.startswith("."):  # .git, .ipynb_checkpoints: never graded, named if it holds katas
            if _holds_katas(entry, kata_ids):
                skipped.append(Skipped(shown, "a hidden folder (its name starts with '.'): rename it to grade it"))
            continue
        try:
            if entry.is_symlink():
                raise Rejected("a symbolic link, not a folder or a zip")
            is_zip = entry.is_file() and entry.suffix.lower() == ".zip"
            if not (entry.is_dir() or is_zip):
                raise Rejected("not a folder or a .zip")
            learner = _learner_id(entry)
            if learner in found:
                raise Rejected(f"learner '{learner}' has both a folder and a zip")
            if is_zip:
                target = staging / f"zip-{len(found) + len(skipped)}"  # never the learner id: see the docstring
                target.mkdir(parents=True)
                try:
                    extract_zip(entry, target)
                except Rejected:
                    shutil.rmtree(target, ignore_errors=True)  # a bomb's first 50 MB go now, not at the end
                    raise
                entry = target
            root, katas = kata_root(entry, kata_ids)
            found[learner] = Submission(learner, root, katas)
        except Rejected as why:
            skipped.append(Skipped(shown, str(why)))
        except OSError as exc:  # a folder this user may not read, a name too long...: that entry only
            skipped.append(Skipped(shown, f"could not be read ({exc.strerror or exc})"))
    return list(found.values()), skipped


def _process_identity(pid: int) -> str:
    """`<host> <pid> <start time>`: the start time (Linux: /proc) tells a reused pid from the owner;
    the host, a process of this machine from one of another that shares the folder (a cluster's
    shared TMPDIR or output folder)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        started = fields[19]  # field 22 of stat(5), counted after the command name
    except (OSError, IndexError):
        started = ""
    return f"{socket.gethostname()} {pid} {started}".rstrip()


def _owner_alive(identity: str) -> bool:
    host, pid_text, started = (identity.split() + ["", "", ""])[:3]
    if host != socket.gethostname():
        return True  # a process of another machine: this one cannot tell whether it still runs
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: never ours to judge
    return not started or _process_identity(pid) == identity.strip()


def remove_stale_staging(parent: Path, prefix: str = STAGING_PREFIX) -> list[Path]:
    """Remove this user's staging folders under `parent` whose batch is gone (killed with kill -9):
    the owner process has exited (or its pid now belongs to another process), or, without an owner
    file, the folder is a day old. Another running batch's folder is never touched."""
    removed = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        try:
            info = entry.lstat()
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                continue
            owner = entry / _OWNER
            if owner.is_file():
                if _owner_alive(owner.read_text(encoding="ascii", errors="replace")):
                    continue
            elif time.time() - info.st_mtime < _UNOWNED_AGE:
                continue  # maybe a batch that has not written its owner file yet
        except OSError:
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


@contextmanager
def staging_folder(parent: Path | None = None, prefix: str = STAGING_PREFIX) -> Iterator[Path]:
    """A private folder (mode 0700) for the extracted zips (or an export being built), removed on
    exit; stale ones of the same prefix go first."""
    parent = Path(parent or tempfile.gettempdir())
    remove_stale_staging(parent, prefix)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        (folder / _OWNER).write_text(_process_identity(os.getpid()), encoding="ascii")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def roster_only(
    roster: dict[str, dict[str, str]], found: list[Submission], skipped: list[Skipped], staging: Path
) -> list[Submission]:
    """The roster's learners with no entry in the folder, each as an empty submission: every kata is
    then `not-started` ("not submitted"), 0 points, so every roster row gets a grade to upload. A
    learner whose entry was skipped (`carol.zip` unreadable) is left out: that entry needs a look,
    not a 0."""
    have = {s.learner for s in found} | {name for s in skipped for name in (s.entry, _without_zip(s.entry))}
    empty = staging / "no-entry"
    empty.mkdir(exist_ok=True)
    return [Submission(learner, empty) for learner in sorted(roster) if learner not in have and usable_id(learner)]


def _without_zip(entry: str) -> str:
    return entry[:-4] if entry.lower().endswith(".zip") else entry


def read_roster(submissions: Path) -> dict[str, dict[str, str]]:
    """`roster.csv` beside the learners (written by `kata import`, maybe edited in Excel): learner id ->
    its other columns. Anything that would be read wrong is a `KataError` naming the file and line:
    text that is not UTF-8, no `learner` column, an unnamed or repeated column, a row with more
    fields than the header, a learner id that is empty or given twice."""
    path = submissions / ROSTER
    if not path.is_file():
        return {}
    try:
        text = path.read_bytes().decode("utf-8-sig")  # with or without the BOM Excel's "CSV UTF-8" writes
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise KataError(
            f'{path}: line {line} is not UTF-8 text: save it as "CSV UTF-8" (in Excel: Save As, CSV UTF-8)'
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        if "learner" not in header:
            raise KataError(f"{path}: line 1: no 'learner' column (the header is {','.join(header)!r})")
        unnamed = [n for n, name in enumerate(header, 1) if not name.strip()]
        if unnamed:
            raise KataError(f"{path}: line 1: column {unnamed[0]} has no name")
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:
            raise KataError(f"{path}: line 1: column '{repeated[0]}' is given twice")
        roster: dict[str, dict[str, str]] = {}
        first_line: dict[str, int] = {}
        for fields in reader:
            if not any(cell.strip() for cell in fields):
                continue  # a blank row, as spreadsheets leave at the end
            line = reader.line_num
            if len(fields) > len(header):
                raise KataError(
                    f"{path}: line {line}: {len(fields)} fields, but the header names {len(header)} columns"
                )
            row = dict(zip(header, [_unescaped(cell) for cell in fields] + [""] * (len(header) - len(fields))))
            learner = row.pop("learner")
            if not learner.strip():
                raise KataError(f"{path}: line {line}: no learner id")
            if learner in roster:
                raise KataError(f"{path}: line {line}: learner '{learner}' is also on line {first_line[learner]}")
            if row.get("submitted_at") and not _is_iso_time(row["submitted_at"]):
                raise KataError(
                    f"{path}: line {line}: submitted_at {row['submitted_at']!r} is not an ISO 8601 time "
                    "(e.g. 2026-03-01T10:00:00+08:00)"
                )
            roster[learner], first_line[learner] = row, line
    except csv.Error as exc:
        raise KataError(f"{path}: line {reader.line_num}: not valid CSV ({exc})") from None
    return roster


def _unescaped(cell: str) -> str:
    """The cell without the `'` that `kata import` puts before text Excel would take for a formula."""
    from grader.exports import spreadsheet_cell  # the escape itself; exports imports this module, so not at the top

    return cell[1:] if cell.startswith("'") and spreadsheet_cell(cell[1:]) == cell else cell


def _is_iso_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True
