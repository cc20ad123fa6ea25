"""Batch outputs: CSV, JSON, learner feedback, PrairieLearn's score CSV, JUnit, report.html and shard.json.

Every writer takes the learners' results (sorted by learner id, so reruns and merges are
byte-identical apart from durations and dates) and writes one format. Results arrive with safe text
already (runner.py); each writer makes its text safe again (`safe_text`) rather than trust that, and
then safe for its format: CSV cells that a spreadsheet would run as a formula get a leading quote
and none is longer than a spreadsheet's cell, XML replaces what XML cannot hold, JSON has no NaN,
a feedback file's code fence is longer than any run of backticks inside it, and a learner id that
is no plain file name, or that a case-insensitive disk (macOS, Windows) would take for another
learner's (`Alice`, `alice`), is written under a hash. Each file is written aside and then moved into
place, so that a batch stopped while writing (Ctrl-C, a full disk) never leaves half a grades.csv.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import re
import shutil
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator
from urllib.parse import quote

from grader import report, results
from grader.catalog import Catalog
from grader.errors import KataError
from grader.i18n import status_word, translate
from grader.report import ANSWERED
from grader.results import (
    JOB_FAILURES,
    MISSING,
    NOT_STARTED,
    PASSED,
    SCHEMA_VERSION,
    KataResult,
    LearnerResult,
    safe_data,
    safe_text,
)
from grader.scorecard import render
from grader.submissions import Skipped

UNSTARTED = (NOT_STARTED, MISSING)
MAX_ROW = "(max points)"  # grades.csv's first row: each column's maximum, as LMS imports expect
_XML_BAD = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FILE_NAME_BYTES = 200
_CELL_CHARS = 32000  # spreadsheets hold at most 32767 characters in a cell
_BACKTICKS = re.compile("`+")


def spreadsheet_cell(value: object) -> object:
    """Safe text within a spreadsheet's cell size; text starting like a formula is kept as text."""
    if isinstance(value, str):
        value = safe_text(value)[:_CELL_CHARS]
        if value[:1] in ("=", "+", "-", "@", "\t"):
            return "'" + value
    return value


def file_name(learner: str) -> str:
    """The learner's id as a file or folder name, or `learner-<hash>` when it is not a plain one."""
    name = safe_text(learner)
    if (
        name == learner
        and name not in ("", ".", "..")
        and "/" not in name
        and "\\" not in name
        and len(name.encode("utf-8")) <= _FILE_NAME_BYTES
    ):
        return name
    return _hashed(learner)


def _hashed(learner: str) -> str:
    return "learner-" + hashlib.sha256(learner.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def feedback_names(learners: list[str]) -> dict[str, str]:
    """Each learner's feedback file name (`file_name`), except that ids one case- or
    normalization-insensitive disk would take for one file (`Alice` and `alice`) all go under a hash:
    copied to such a disk, one learner's feedback would replace another's."""
    plain = {learner: file_name(learner) for learner in learners}
    folded = Counter(_folded(name) for name in plain.values())
    return {learner: name if folded[_folded(name)] == 1 else _hashed(learner) for learner, name in plain.items()}


def _folded(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


@contextmanager
def _replacing(path: Path, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """A text file written aside and moved over `path` only once complete."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with open(partial, "w", newline="", encoding=encoding) as file:
            yield file
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _num(value: float) -> str:
    return f"{value:g}"


def progress(learner: LearnerResult) -> str:
    """`complete` (every kata at full points), `not started` (no kata started) or `incomplete`."""
    if learner.katas and all(k.status == PASSED for k in learner.katas):
        return "complete"
    if all(k.status in UNSTARTED for k in learner.katas):
        return "not started"
    return "incomplete"


def problems(learner: LearnerResult) -> list[str]:
    """Every kata that was not a clean run, and every check stopped inside a clean one (e.g. a timeout)."""
    found = []
    for kata in learner.katas:
        if kata.status not in ANSWERED:
            found.append(f"{kata.kata}: {kata.status}")
            continue
        found += [f"{kata.kata}/{c.id}: {c.outcome}" for c in kata.checks if c.outcome in JOB_FAILURES]
    return found


def status_column(learner: LearnerResult) -> str:
    """The learner's progress, then every problem: `incomplete; tensors: timeout`."""
    return "; ".join([progress(learner), *problems(learner)])


@dataclass(frozen=True)
class CourseColumns:
    """What course.toml adds to grades.csv: per learner `late_days` and `final`; the maximum `final`."""

    rows: dict[str, dict[str, str]]
    final_max: str


def kata_maximum(learners: list[LearnerResult], kata_id: str) -> float:
    return max((k.max_points for lr in learners for k in lr.katas if k.kata == kata_id), default=0.0)


def write_all(
    out: Path,
    learners: list[LearnerResult],
    catalog: Catalog,
    lang: str,
    skipped: list[Skipped],
    excel: bool = False,
    roster: dict[str, dict[str, str]] | None = None,
    course: CourseColumns | None = None,
) -> None:
    """Every export; with `excel` the CSVs start with a byte order mark, so that Excel reads UTF-8; a
    `roster` (learner id -> name, LMS id...) adds its columns to grades.csv."""
    learners = sorted(learners, key=lambda lr: lr.learner)
    kata_ids = [k.id for k in catalog]
    encoding = "utf-8-sig" if excel else "utf-8"
    write_grades_csv(out / "grades.csv", learners, kata_ids, encoding, roster or {}, course)
    write_checks_csv(out / "checks.csv", learners, encoding)
    write_grades_json(out / "grades.json", learners)
    write_skipped(out / "skipped.csv", skipped, encoding)
    write_prairielearn_csv(out / "prairielearn_scores.csv", learners, encoding)
    names = feedback_names([lr.learner for lr in learners])
    _write_feedback(out / "feedback", learners, names, catalog, lang)
    write_junit(out / "junit.xml", learners)
    links = {lr.learner: f"feedback/{quote(names[lr.learner])}.md" for lr in learners}
    statuses = {lr.learner: status_column(lr) for lr in learners}
    with _replacing(out / "report.html") as file:
        file.write(report.html(learners, catalog, skipped, links, statuses))


def _write_feedback(
    folder: Path, learners: list[LearnerResult], names: dict[str, str], catalog: Catalog, lang: str
) -> None:
    """Every learner's feedback file, in a new folder that then replaces the old one: no stale learner
    from an earlier run, and never a folder half of this run and half of the last."""
    fresh = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    for learner in learners:
        (fresh / f"{names[learner.learner]}.md").write_text(feedback_markdown(learner, catalog, lang), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(fresh, folder)


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(safe_data(data), indent=2, ensure_ascii=False, allow_nan=False)
    with _replacing(path) as file:
        file.write(text + "\n")


def write_grades_csv(
    path: Path,
    learners: list[LearnerResult],
    kata_ids: list[str],
    encoding: str = "utf-8",
    roster: dict[str, dict[str, str]] | None = None,
    course: CourseColumns | None = None,
) -> None:
    roster = roster or {}
    extra = list(dict.fromkeys(column for row in roster.values() for column in row))
    after = ["late_days", "final"] if course else []
    with _replacing(path, encoding) as file:
        writer = csv.writer(file)
        writer.writerow(["learner", *extra, *kata_ids, "total", "max_total", "status", *after])
        maxima = [kata_maximum(learners, k) for k in kata_ids]
        writer.writerow(
            [
                MAX_ROW,
                *[""] * len(extra),
                *map(_num, maxima),
                _num(sum(maxima)),
                _num(sum(maxima)),
                "",
                *(["", course.final_max] if course else []),
            ]
        )
        for learner in learners:
            points = {k.kata: _num(k.points) for k in learner.katas}
            known = roster.get(learner.learner, {})
            mine = course.rows.get(learner.learner, {}) if course else {}
            writer.writerow(
                [
                    spreadsheet_cell(learner.learner),
                    *(spreadsheet_cell(known.get(c, "")) for c in extra),
                    *(points.get(k, "0") for k in kata_ids),
                    _num(learner.points),
                    _num(learner.max_points),
                    spreadsheet_cell(status_column(learner)),
                    *(spreadsheet_cell(mine.get(c, "")) for c in after),
                ]
            )


def write_checks_csv(path: Path, learners: list[LearnerResult], encoding: str = "utf-8") -> None:
    with _replacing(path, encoding) as file:
        writer = csv.writer(file)
        writer.writerow(["learner", "kata", "check", "outcome", "points", "max_points", "message"])
        for learner in learners:
            for kata in learner.katas:
                for check in kata.checks:
                    writer.writerow(
                        [
                            spreadsheet_cell(learner.learner),
                            spreadsheet_cell(kata.kata),
                            spreadsheet_cell(check.id),
                            spreadsheet_cell(check.outcome),
                            _num(check.points),
                            _num(check.max_points),
                            spreadsheet_cell(check.message),
                        ]
                    )


def write_grades_json(path: Path, learners: list[LearnerResult]) -> None:
    _write_json(path, {"schema_version": SCHEMA_VERSION, "learners": [lr.to_dict() for lr in learners]})


def read_grades(out: Path) -> list[LearnerResult]:
    data = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    if data.get("schema_version") != SCHEMA_VERSION:
        raise KataError(f"{out}/grades.json: schema version {data.get('schema_version')}, expected {SCHEMA_VERSION}")
    return [LearnerResult(d["learner"], [KataResult.from_dict(k) for k in d["katas"]]) for d in data["learners"]]


def write_skipped(path: Path, skipped: list[Skipped], encoding: str = "utf-8") -> None:
    with _replacing(path, encoding) as file:
        writer = csv.writer(file)
        writer.writerow(["entry", "reason"])
        for entry in sorted(skipped, key=lambda s: s.entry):
            writer.writerow([spreadsheet_cell(entry.entry), spreadsheet_cell(entry.reason)])


def read_skipped(out: Path) -> list[Skipped]:
    with open(out / "skipped.csv", newline="", encoding="utf-8-sig") as file:  # with or without --excel
        return [Skipped(row["entry"], row["reason"]) for row in csv.DictReader(file)]


_FEEDBACK = {
    "failing": {"en": "Every check that did not pass:", "zh": "所有未通过的检查："},
    "dropped": {"en": "Files not graded (the kata does not name them):", "zh": "未评分的文件（练习未列出它们）："},
}


def feedback_markdown(learner: LearnerResult, catalog: Catalog, lang: str) -> str:
    """What `kata grade` would have shown the learner, then every failing check and every file left out,
    each in a code fence nothing inside can close."""
    graded = [k for k in learner.katas if k.status != MISSING]
    blocks = [render(graded, catalog, lang)] if graded else []
    failing = []
    for kata in learner.katas:
        if kata.status in UNSTARTED:  # one line, not one per check
            failing.append(f"{kata.kata}: {status_word(kata.status, lang)} — {translate(kata.status_message, lang)}")
            continue
        for c in kata.checks:
            if c.outcome in results.CLEAN:
                continue
            message = c.localized_message(lang).strip()
            failing.append(
                f"{kata.kata} · {c.localized_title(lang)}{'：' if lang == 'zh' else ': '}{status_word(c.outcome, lang)}"
                + (f" — {message.splitlines()[0][:200]}" if message else "")
            )
    if failing:
        blocks.append(f"{_FEEDBACK['failing'][lang]}\n" + "\n".join(f"- {line}" for line in failing))
    dropped = [f"{k.kata}: {', '.join(k.dropped_files)}" for k in learner.katas if k.dropped_files]
    if dropped:
        blocks.append(f"{_FEEDBACK['dropped'][lang]}\n" + "\n".join(f"- {line}" for line in dropped))
    title = safe_text(learner.learner).replace("\n", " ")
    return f"# {title}\n\n" + "\n".join(_fenced(safe_text(block)) for block in blocks)


def _fenced(body: str) -> str:
    fence = "`" * max(3, 1 + max((len(run) for run in _BACKTICKS.findall(body)), default=0))
    return f"{fence}\n{body}\n{fence}\n"


def write_prairielearn_csv(path: Path, learners: list[LearnerResult], encoding: str = "utf-8") -> None:
    """PrairieLearn's score upload (an assessment's "Upload new question scores"): one row per learner
    and kata graded for the learner's current files (an upload overwrites a score: a `missing` result
    has no row); `qid` is the question `kata export prairielearn` builds, `uid` the learner id."""
    with _replacing(path, encoding) as file:
        writer = csv.writer(file)
        writer.writerow(["uid", "instance", "qid", "score_perc", "feedback"])
        for learner in learners:
            for kata in learner.katas:
                if kata.status == MISSING:
                    continue
                share = 100 * kata.points / kata.max_points if kata.max_points else 0.0
                writer.writerow(
                    [
                        spreadsheet_cell(learner.learner),
                        1,
                        spreadsheet_cell(f"kata-{kata.kata}"),
                        f"{share:.2f}",
                        spreadsheet_cell(f"{kata.status}: {kata.passed_count} of {len(kata.checks)} checks passed"),
                    ]
                )


def _xml(text: str) -> str:
    return _XML_BAD.sub("\ufffd", safe_text(text))


def _case_kind(kata: KataResult, outcome: str) -> str:
    """`passed`, `skipped`, `error` (stopped: timeout, oom, crash, load error) or `failure` (a wrong answer)."""
    if outcome in results.CLEAN:
        return outcome
    if kata.status == MISSING:
        return "skipped"
    return "error" if outcome in JOB_FAILURES or kata.status in JOB_FAILURES else "failure"


def write_junit(path: Path, learners: list[LearnerResult]) -> None:
    """JUnit XML as the common schema (Jenkins' junit-10.xsd) has it: counts and times on every suite."""
    suites = ET.Element("testsuites", name="kata batch")
    totals = Counter()
    for learner in learners:
        for kata in learner.katas:
            kinds = Counter(_case_kind(kata, c.outcome) for c in kata.checks)
            seconds = max(_duration(kata.duration), sum(_duration(c.duration) for c in kata.checks))
            name = _xml(f"{learner.learner}.{kata.kata}")
            suite = ET.SubElement(
                suites,
                "testsuite",
                name=name,
                tests=str(len(kata.checks)),
                failures=str(kinds["failure"]),
                errors=str(kinds["error"]),
                skipped=str(kinds["skipped"]),
                time=_seconds(seconds),
            )
            for check in kata.checks:
                case = ET.SubElement(
                    suite, "testcase", name=_xml(check.id), classname=name, time=_seconds(_duration(check.duration))
                )
                kind = _case_kind(kata, check.outcome)
                if kind == "skipped":
                    ET.SubElement(case, "skipped", message=_xml(check.message))
                elif kind != "passed":
                    outcome = check.outcome if check.outcome in JOB_FAILURES or kind == "failure" else kata.status
                    element = ET.SubElement(case, kind, message=_xml(outcome), type=_xml(outcome))
                    element.text = _xml(check.message)
            totals.update(kinds)
            totals["tests"] += len(kata.checks)
            totals["time"] += seconds
    suites.set("tests", str(totals["tests"]))
    suites.set("failures", str(totals["failure"]))
    suites.set("errors", str(totals["error"]))
    suites.set("time", _seconds(totals["time"]))
    with _replacing(path) as file:
        ET.ElementTree(suites).write(file, encoding="unicode", xml_declaration=True)


def _duration(value: float) -> float:
    return value if math.isfinite(value) and value >= 0 else 0.0


def _seconds(value: float) -> str:
    return f"{value:.3f}"


SHARD_FILE = "shard.json"  # written last by `kata batch` and `kata merge`: the output is complete


def write_shard(
    out: Path,
    index: int,
    count: int,
    learners: list[str],
    kata_ids: list[str],
    roster: dict[str, dict[str, str]] | None = None,
    course: CourseColumns | None = None,
    course_settings: str = "",
    merged_from: int | None = None,
) -> None:
    """Which shard this is and its learners; with them, the roster rows and course columns of those
    learners, so that `kata merge` writes the same grades.csv as one machine would, and the digest of
    the course settings those columns came from, so that it never mixes two. `merged_from` (the shard
    count) marks `kata merge`'s own output, which a later merge may replace."""
    data: dict[str, object] = {"shard": index, "shards": count, "katas": kata_ids, "learners": sorted(learners)}
    if roster:
        data["roster"] = {learner: roster[learner] for learner in sorted(learners) if learner in roster}
    if course:
        data["course"] = {"rows": course.rows, "final_max": course.final_max, "settings": course_settings}
    if merged_from is not None:
        data["merged_from"] = merged_from
    _write_json(out / SHARD_FILE, data)


def shard_roster(shards: list[dict]) -> dict[str, dict[str, str]]:
    """The roster rows every shard saved (`write_shard`), one mapping."""
    return {learner: dict(row) for shard in shards for learner, row in shard.get("roster", {}).items()}


def shard_course(shards: list[dict]) -> CourseColumns | None:
    """The course columns every shard saved, with the largest maximum `final` (a shard whose learners
    started no kata may know a smaller one); None when no shard was graded with a course."""
    saved = [shard["course"] for shard in shards if shard.get("course")]
    if not saved:
        return None
    rows = {learner: dict(row) for course in saved for learner, row in course["rows"].items()}
    return CourseColumns(rows, max((course["final_max"] for course in saved), key=float))


def shard_course_settings(shard: dict) -> str | None:
    """The digest of the course settings a shard was graded with (`write_shard`); None without a course."""
    course = shard.get("course")
    return course.get("settings", "") if course else None


def is_merge_output(out: Path) -> bool:
    """Whether `out` holds `kata merge`'s output (its shard.json says so): a later merge may replace it."""
    try:
        return isinstance(read_shard(out).get("merged_from"), int)
    except KataError:
        return False


def read_shard(out: Path) -> dict:
    try:
        data = json.loads((out / SHARD_FILE).read_text(encoding="utf-8"))
        if not (isinstance(data["shard"], int) and isinstance(data["shards"], int)):
            raise ValueError("shard and shards must be whole numbers")
        if not (isinstance(data["learners"], list) and isinstance(data["katas"], list)):
            raise ValueError("learners and katas must be lists")
        if not isinstance(data.get("roster", {}), dict) or not isinstance(data.get("course") or {}, dict):
            raise ValueError("roster and course must be objects")
        if not isinstance((data.get("course") or {}).get("settings", ""), str):
            raise ValueError("course settings must be text")
        return data
    except (FileNotFoundError, NotADirectoryError):
        raise _no_shard(out) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise KataError(f"{out}/shard.json: unreadable ({exc})") from None


def _no_shard(out: Path) -> KataError:
    """Why `out` has no shard.json, which `kata batch` writes last: no such folder, a batch that
    never finished (its gradebook is there), or no batch output at all."""
    if not out.exists():
        return KataError(f"{out}: no such folder")
    if not out.is_dir():
        return KataError(f"{out}: a file, not a `kata batch` output folder")
    if (out / "gradebook.sqlite").exists():
        return KataError(
            f"{out}: its `kata batch` never finished (a gradebook but no shard.json); "
            "run that shard again: it resumes from its gradebook"
        )
    return KataError(f"{out}: no shard.json (is it a `kata batch` output?)")
