"""The `kata` command: parses, calls one function, renders. No logic of its own."""

from __future__ import annotations

import json
import os
import shlex
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Optional, TextIO

import typer

from grader.catalog import Catalog, Kata
from grader.cli_app import App, Group, Session, help_text
from grader.errors import KataError
from grader.i18n import clip, detect_language, is_language, say, terminal_columns, width
from grader.results import points_text, safe_text
from grader.catalog import MAX_TIMEOUT_SECONDS
from grader.sandbox import MIN_MEMORY_MB, Limits
from grader.terminal_markdown import fitting_columns, fold, for_terminal, indented
from grader.workspace import Workspace, find_root, workspace_nearby

if TYPE_CHECKING:
    from grader.platforms import PlatformConfig
    from grader.results import KataResult
    from grader.verify import KataVerdict, MutationReport
    from grader.worker import Job

_LIMITS = Limits()  # the defaults of --memory and --disk


app = App(
    cls=Group, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help=help_text("help_app")
)

KatasOption = typer.Option(None, "--katas", metavar="PATH", help=help_text("help_katas"))
WorkspaceOption = typer.Option(None, "-w", "--workspace", metavar="PATH", help=help_text("help_workspace"))
DeviceOption = typer.Option("auto", "--device", metavar="DEVICE", help=help_text("help_device"))
# the instructor's options that several commands take: one definition, so their help cannot drift apart
KataTimeoutOption = typer.Option(None, "--timeout", min=1, max=MAX_TIMEOUT_SECONDS, help=help_text("help_timeout"))
WorkersOption = typer.Option(None, "--workers", min=1, help=help_text("help_workers"))
OnlyOption = typer.Option(None, "--only", help=help_text("help_only"))
ExcelOption = typer.Option(False, "--excel", help=help_text("help_excel"))


def _kata(catalog: Catalog, kata_id: str) -> Kata:
    """The kata named by id or by its number in `kata list`; an unknown name gets a suggestion."""
    import difflib

    by_order = {str(k.order): k for k in catalog}
    if kata_id in by_order:
        return by_order[kata_id]
    try:
        return catalog.get(kata_id)
    except KataError as exc:
        close = difflib.get_close_matches(kata_id, [k.id for k in catalog], n=1)
        if close:
            raise KataError.of("did_you_mean", id=kata_id, suggestion=close[0]) from exc
        raise


def _not_a_file(workspace: Optional[Path]) -> None:
    """A `-w` naming a file is refused: it can be neither a workspace nor the folder holding one."""
    if workspace is not None and workspace.exists() and not workspace.is_dir():
        raise KataError.of("workspace_is_file", path=workspace)


def _space(workspace: Optional[Path]) -> Workspace:
    """The learner's workspace; when there is none here but one nearby, say where it is instead. A `-w`
    folder that does not exist is refused (a typo), never created: only `kata start` makes a workspace."""
    _not_a_file(workspace)
    if workspace is not None and not workspace.exists():
        raise KataError.of("no_workspace", path=workspace)
    space = Workspace(find_root(workspace), Session.lang)
    if workspace is None and not space.root.is_dir():
        found = workspace_nearby()
        if found is not None:
            raise KataError.of("katas_elsewhere", root=space.root, found=found)
    return space


@app.callback()
def main(lang: Optional[str] = typer.Option(None, "--lang", help=help_text("help_lang"))) -> None:
    """PyTorch katas: `kata start tensors`, edit the file, `kata grade`."""
    _set_language(lang)


def _set_language(lang: Optional[str]) -> None:
    """`--lang` as given (zh or en), else KATA_LANG, else the locale."""
    Session.lang = detect_language(lang)
    if lang is not None and not is_language(lang):
        raise KataError.of("bad_lang", given=lang)


@app.command("list", help=help_text("help_list"))
def list_katas(katas: Optional[Path] = KatasOption, workspace: Optional[Path] = WorkspaceOption) -> None:
    """Every kata: order, id, title, your status and points so far."""
    from tabulate import tabulate

    from grader.api import kata_rows

    catalog = Catalog.load(katas)
    lang = Session.lang
    rows = [[r.order, r.kata, r.title, r.status, r.points] for r in kata_rows(catalog, _space(workspace), lang)]
    headers = [say(k, lang) for k in ("order", "kata", "title", "status", "points")]
    # the title takes what the terminal has left once the other columns are laid out
    narrow = tabulate([r[:2] + r[3:] for r in rows], headers=headers[:2] + headers[3:], tablefmt="simple")
    room = max(12, terminal_columns() - max(width(line) for line in narrow.splitlines()) - 3)
    for row in rows:
        row[2] = clip(row[2], room)
    typer.echo(tabulate(rows, headers=headers, tablefmt="simple"))


@app.command(help=help_text("help_start"))
def start(
    kata_id: str = typer.Argument(..., metavar="ID", help=help_text("help_start_id")),
    workspace: Optional[Path] = WorkspaceOption,
    katas: Optional[Path] = KatasOption,
    notebook: bool = typer.Option(False, "--notebook", help=help_text("help_notebook")),
) -> None:
    """Copy the kata's stub into your workspace (never overwriting your files) and show its instructions."""
    from grader import notebook as notebooks
    from grader.api import add_notebook

    kata = _kata(Catalog.load(katas), kata_id)
    _not_a_file(workspace)
    space = Workspace(find_root(workspace), Session.lang)
    lang = Session.lang
    report = space.start(kata)
    if notebook:
        path, created = add_notebook(kata, space, lang, graded_from_notebook=True)
        report.append((path.name, created))
    typer.echo(for_terminal(kata.readme(lang).read_text(encoding="utf-8"), sys.stdout))
    typer.echo("")
    typer.echo(say("started", lang, id=kata.id, path=space.folder(kata)))
    for name, created in report:
        if not created:
            typer.echo("  " + say("kept", lang, file=name, id=kata.id + _again(workspace, katas)))
    if notebook:
        written = notebooks.notebook_path(space.folder(kata))
        typer.echo(notebooks.say("written", lang, path=written, quoted=shlex.quote(str(written))))
    else:
        path = space.folder(kata) / kata.files[0]
        typer.echo(say("next_steps", lang, id=kata.id, path=path, again=_again(workspace, katas)))


@app.command("notebook", help=help_text("help_make_notebook"))
def make_notebook(
    kata_id: str = typer.Argument(..., metavar="ID", help=help_text("help_kata_id")),
    workspace: Optional[Path] = WorkspaceOption,
    katas: Optional[Path] = KatasOption,
) -> None:
    """Write ID/ID.ipynb for a started kata from your current file; graded while saved after the .py."""
    from grader import notebook as notebooks
    from grader.api import make_notebook as write_notebook

    kata_id = _kata(Catalog.load(katas), kata_id).id
    written = write_notebook(kata_id, workspace, Session.lang, katas).notebook
    # the notebook's path and how to open it; not "Started ...": the kata was started before
    typer.echo(notebooks.say("written", Session.lang, path=written, quoted=shlex.quote(str(written))))


def _again(workspace: Optional[Path], katas: Optional[Path]) -> str:
    """The options a suggested command must repeat to reach the same katas and workspace, in the same
    language (`--lang` when it is not the one the environment picks)."""
    given = [("-w", workspace), ("--katas", katas)]
    again = "".join(f" {flag} {shlex.quote(str(path))}" for flag, path in given if path is not None)
    return again + (f" --lang {Session.lang}" if Session.lang != detect_language(None) else "")


@app.command(help=help_text("help_grade"))
def grade(
    ids: Optional[list[str]] = typer.Argument(None, metavar="ID", help=help_text("help_grade_ids")),
    workspace: Optional[Path] = WorkspaceOption,
    device: str = DeviceOption,
    timeout: Optional[float] = typer.Option(
        None, "--timeout", min=1, max=MAX_TIMEOUT_SECONDS, metavar="SECONDS", help=help_text("help_timeout")
    ),
    json_file: Optional[Path] = typer.Option(None, "--json", metavar="FILE", help=help_text("help_json")),
    katas: Optional[Path] = KatasOption,
    everything: bool = typer.Option(False, "--all", help=help_text("help_grade_all")),
    verbose: bool = typer.Option(False, "-v", "--verbose", help=help_text("help_verbose")),
) -> None:
    """Grade your katas in isolated processes and print a scorecard. Exit 0 only at full points."""
    from grader.worker import Worker

    catalog = Catalog.load(katas)
    space = _space(workspace)
    lang = Session.lang
    again = _again(workspace, katas)
    started = space.started(catalog) if ids else _started(catalog, space, again)
    if json_file is not None and not json_file.resolve().parent.is_dir():
        raise KataError.of("json_no_folder", file=json_file, folder=json_file.resolve().parent)
    if json_file is not None and json_file.is_dir():  # refused before grading, not after the scorecard
        raise KataError.of("json_is_folder", file=json_file)
    if device != "auto":  # a device asked for is checked before anything else, even with nothing to grade
        from grader import devices

        devices.resolve(device)
    # a JSON file holds every started kata; -v asks to see every check, which "nothing changed" would not show
    regrade = everything or json_file is not None or verbose
    selected = _named(catalog, ids) if ids else [k for k in started if regrade or space.changed(k)]
    if not selected:
        typer.echo(say("nothing_changed_since", lang, ids=", ".join(k.id for k in started), again=again))
        raise typer.Exit(0 if all(space.passing(k) for k in started) else 1)
    worker = Worker(selected)  # first: its zygote is forked before this process loads any judge code
    from grader import devices
    from grader.grading import grade_workspace
    from grader.results import LearnerResult
    from grader.scorecard import render

    with _ProgressLine(lang) as progress:
        results = grade_workspace(
            worker, space, selected, devices.resolve(device), Limits(timeout=timeout), _announcer(lang), progress
        )
    typer.echo(render(results, catalog, lang, verbose=verbose, columns=fitting_columns(sys.stdout), again=again))
    for note in _ignored_scripts(results, catalog, space, lang):
        typer.echo(note)
    if results.unsaved is not None:
        typer.echo(results.unsaved.say(lang), err=True)
    following = space.next_kata(catalog, [r.kata for r in results if r.full_marks])
    if following is not None:  # a kata begun and unfinished is graded next; a new one is started
        key = "next_started" if space.is_started(following) else "next_kata"
        typer.echo(say(key, lang, id=following.id + again))
    if json_file is not None:
        learner = LearnerResult(space.root.name, results)
        json_file.write_text(json.dumps(learner.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    raise typer.Exit(0 if all(r.full_marks for r in results) else 1)


def _started(catalog: Catalog, space: Workspace, again: str) -> list[Kata]:
    """The started katas; none is refused (exit 2): the learner is in the wrong folder or has to start one."""
    started = space.started(catalog)
    if not started:
        raise KataError.of("no_started", root=space.root, first=catalog.katas[0].id + again)
    return started


def _named(catalog: Catalog, ids: list[str]) -> list[Kata]:
    """The katas named, in the order given, each once (`tensors 1` names one kata twice)."""
    return list({kata.id: kata for kata in (_kata(catalog, i) for i in ids)}.values())


def _redraws(stream: TextIO) -> bool:
    """Whether `stream` is a terminal that can redraw in place (`\\r`, ESC[K, a cleared screen): not a pipe,
    not TERM=dumb."""
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def _announcer(lang: str) -> Callable[[list[Kata]], None] | None:
    """Says which katas start grading, on a terminal only: a long grade (mnist) is not a blank screen."""

    def announce(running: list[Kata]) -> None:
        typer.echo(say("grading", lang, ids=", ".join(k.id for k in running)), err=True)

    return announce if sys.stderr.isatty() else None


def _ignored_scripts(results: Iterable[KataResult], catalog: Catalog, space: Workspace, lang: str) -> list[str]:
    """A note for each kata graded from its notebook although its .py was saved later."""
    from grader import notebook as notebooks

    notes = []
    for result in results:
        kata = catalog.get(result.kata)
        script = notebooks.ignored_script(space.folder(kata), kata.files)
        if script is not None:
            notebook = notebooks.notebook_path(space.folder(kata)).name
            note = notebooks.say("script_ignored", lang, id=kata.id, notebook=notebook, script=script.name)
            notes += indented([note], "", fitting_columns(sys.stdout))
    return notes


class _ProgressLine:
    """One line on stderr, redrawn each second: which kata, how many of its checks, seconds so far, and
    the last line the learner's code printed (a training loop's epoch and loss). Entered, it is the
    progress callback on a terminal, else None."""

    def __init__(self, lang: str):
        self.lang, self.started = lang, time.monotonic()
        self.state: dict[str, object] = {}  # the kata, and how many of its checks have reported
        self.printed = ""
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def update(self, job: Job, done: int, total: int, printed: str) -> None:
        with self.lock:
            self.state = {"id": job.kata.id, "done": done, "total": total}
            self.printed = safe_text(printed).replace("\n", " ").strip()
        self._draw()

    def _draw(self) -> None:
        with self.lock:
            if self.state:
                seconds = f"{time.monotonic() - self.started:.0f}"
                line = say("grading_progress", self.lang, seconds=seconds, **self.state)
                if self.printed:
                    line += f" · {self.printed}"
                sys.stderr.write(f"\r{clip(line, terminal_columns() - 1)}\033[K")
                sys.stderr.flush()

    def _tick(self) -> None:
        while not self.stop.wait(1.0):
            self._draw()

    def __enter__(self):
        if not _redraws(sys.stderr):
            return None
        threading.Thread(target=self._tick, daemon=True).start()
        return self.update

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if self.state:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


@app.command(help=help_text("help_hint"))
def hint(
    kata_id: str = typer.Argument(..., metavar="ID", help=help_text("help_kata_id")),
    number: Optional[int] = typer.Argument(None, metavar="N", min=1, help=help_text("help_hint_n")),
    every: bool = typer.Option(False, "--all", help=help_text("help_hint_all")),
    workspace: Optional[Path] = WorkspaceOption,
    katas: Optional[Path] = KatasOption,
) -> None:
    """The next hint for the exercise of your first failing check (each call goes one step further)."""
    kata = _kata(Catalog.load(katas), kata_id)
    lang = Session.lang
    space = _space(workspace)
    again = _again(workspace, katas)
    if not space.is_started(kata):  # a hint would be for no work, and would leave a stray workspace here
        raise KataError.of("hint_not_started", id=kata.id, root=space.root, command=f"kata start {kata.id}{again}")
    if every:
        shown = space.seen_hints(kata, lang)
        if not shown:
            typer.echo(say("hints_none_seen", lang, id=kata.id, command=f"kata hint {kata.id}{again}"))
        for seen in shown:
            typer.echo(seen.shown(kata.id, lang, fitting_columns(sys.stdout)))
        return
    if number is not None:
        earlier = space.hint_again(kata, lang, number)
        if earlier is None:
            typer.echo(say("no_hint_yet", lang, n=number, id=kata.id + again), err=True)
            raise typer.Exit(1)
        typer.echo(earlier.shown(kata.id, lang, fitting_columns(sys.stdout)))
        return
    if space.at_full_points(kata):  # nothing left to hint at: the way on is the reference solution
        typer.echo(say("hint_full_points", lang, id=kata.id, command=f"kata solution {kata.id}{again}"))
        return
    shown = space.next_hint(kata, lang)
    typer.echo(shown.shown(kata.id, lang, fitting_columns(sys.stdout)))
    if shown.number == shown.total:
        typer.echo(say("no_more_hints", lang))
    if shown.unsaved is not None:
        typer.echo(shown.unsaved.say(lang), err=True)


@app.command(help=help_text("help_reset"))
def reset(
    kata_id: str = typer.Argument(..., metavar="ID", help=help_text("help_kata_id")),
    yes: bool = typer.Option(False, "--yes", "-y", help=help_text("help_yes")),
    workspace: Optional[Path] = WorkspaceOption,
    katas: Optional[Path] = KatasOption,
) -> None:
    """Put the stub back (your old files are backed up under .kata/backups/)."""
    kata = _kata(Catalog.load(katas), kata_id)
    space = _space(workspace)
    if not space.is_started(kata):
        raise KataError.of("not_started_reset", id=kata.id, root=space.root)
    from grader.api import reset_kata, reset_refusal
    from grader.notebook import in_notebook

    if not yes and in_notebook():  # `!kata reset` in a notebook: a prompt there never gets an answer
        raise KataError(reset_refusal(kata.id, space.root, Session.lang, katas, command="!kata"))
    if not yes and not typer.confirm(say("reset_question", Session.lang, path=space.folder(kata))):
        typer.echo(say("reset_declined", Session.lang))
        raise typer.Exit(1)
    backup = reset_kata(kata, space, Session.lang)
    typer.echo(say("reset_done", Session.lang, id=kata.id, backup=backup))


@app.command(help=help_text("help_solution"))
def solution(
    kata_id: str = typer.Argument(..., metavar="ID", help=help_text("help_kata_id")),
    workspace: Optional[Path] = WorkspaceOption,
    katas: Optional[Path] = KatasOption,
) -> None:
    """Show the reference solution, once you have full points on the kata."""
    from grader.reference_text import reference_source

    kata = _kata(Catalog.load(katas), kata_id)
    space = _space(workspace)
    if not space.solved(kata):
        best = space.best(kata)
        if best is None:  # no points to tell: what comes first instead
            key = "locked_ungraded" if space.is_started(kata) else "locked_not_started"
            typer.echo(say(key, Session.lang, id=kata.id, again=_again(workspace, katas)), err=True)
            raise typer.Exit(1)
        points = points_text(best["points"], best["max_points"])
        # points of an earlier version of the checks do not unlock it: say so, not "now 11/11"
        key = "locked_new_version" if best.get("version") != kata.version else "locked"
        typer.echo(say(key, Session.lang, id=kata.id, points=points, again=_again(workspace, katas)), err=True)
        raise typer.Exit(1)
    for name in kata.files:
        typer.echo(f"# ===== {name} =====")
        typer.echo(reference_source(kata, name, Session.lang))


@app.command(help=help_text("help_verify"))
def verify(
    ids: Optional[list[str]] = typer.Argument(None, metavar="ID", help=help_text("help_verify_ids")),
    katas: Optional[Path] = KatasOption,
    device: str = DeviceOption,
    mutants: bool = typer.Option(False, "--mutants", help=help_text("help_verify_mutants")),
    threshold: float = typer.Option(90.0, "--threshold", min=0, max=100, help=help_text("help_verify_threshold")),
    workers: Optional[int] = WorkersOption,
    verbose: bool = typer.Option(False, "-v", "--verbose", help=help_text("help_verify_verbose")),
) -> None:
    """Prove katas right: reference and alternatives full marks, stub fails every check, each known mistake caught."""
    import os

    from grader import devices
    from grader.verify import mutation_test
    from grader.verify import verify as run_verify

    catalog = Catalog.load(katas)
    selected = [_kata(catalog, i) for i in ids] if ids else list(catalog)
    workers = workers or os.cpu_count() or 1
    if mutants:
        reports = mutation_test(selected, devices.resolve(device), parallel=workers, threshold=threshold)
        all_ok = all([_show_mutation_report(report) for report in reports])  # a list: every kata is shown
    else:
        verdicts = run_verify(selected, devices.resolve(device), parallel=workers)
        all_ok = all([_show_verdict(verdict, verbose) for verdict in verdicts])
    raise typer.Exit(0 if all_ok else 1)


def _show_mutation_report(report: MutationReport) -> bool:
    """One kata's mutation score, then each surviving mutant's diff; whether it met the threshold."""
    mark = "ok  " if report.ok else "FAIL"
    typer.echo(
        f"{mark} {report.kata.id}: {report.killed}/{report.total} mutants killed "
        f"({report.score:.1f} %, threshold {report.threshold:g} %), "
        f"{len(report.equivalents)} equivalent, {report.seconds:.1f} s"
    )
    for survivor in report.survivors:
        typer.echo(f"     survived {survivor.mutant.id} (line {survivor.mutant.line})")
        typer.echo("".join(f"       {line}" for line in survivor.diff.splitlines(keepends=True)).rstrip())
    for equivalent in report.equivalents:
        typer.echo(f"     equivalent {equivalent.mutant.id}: {report.equivalent[equivalent.mutant.id]}")
    for problem in report.problems:
        typer.echo(f"     - {problem}")
    return report.ok


def _show_verdict(verdict: KataVerdict, verbose: bool) -> bool:
    """One kata's summary line, each caught mistake with `verbose`, then its problems; whether it is right."""
    mark = "ok  " if verdict.ok else "FAIL"
    kata = verdict.kata
    if verdict.graded:
        full_marks = len(kata.alternatives) - len(verdict.failed_alternatives)
        typer.echo(
            f"{mark} {kata.id}: {verdict.checks} checks, {verdict.mistakes_caught}/{len(kata.mistakes)} "
            f"known mistakes caught, {full_marks}/{len(kata.alternatives)} alternatives at full marks, "
            f"reference graded in {verdict.reference_seconds:.2f} s"
        )
    else:
        typer.echo(f"{mark} {kata.id}: not graded (its check files have problems)")
    for caught in verdict.caught if verbose else ():
        message = caught.message_zh if Session.lang == "zh" else caught.message
        typer.echo(f"     {caught.mistake} → {caught.check}: {message.splitlines()[0]}")
    for problem in verdict.problems:
        typer.echo(f"     - {problem}")
    return verdict.ok


CourseOption = typer.Option(None, "--course", help=help_text("help_course"))


@app.command(help=help_text("help_batch"))
def batch(
    submissions: Path = typer.Argument(..., metavar="SUBMISSIONS", help=help_text("help_batch_submissions")),
    out: Path = typer.Option(..., "-o", "--out", help=help_text("help_batch_out")),
    workers: Optional[int] = WorkersOption,
    device: str = DeviceOption,
    timeout: Optional[float] = KataTimeoutOption,
    memory: int = typer.Option(
        _LIMITS.memory_mb,
        "--memory",
        min=MIN_MEMORY_MB,
        help=help_text("help_batch_memory"),
    ),
    disk: int = typer.Option(_LIMITS.disk_mb, "--disk", min=16, help=help_text("help_batch_disk")),
    require_isolation: bool = typer.Option(
        False, "--require-isolation", help=help_text("help_batch_require_isolation")
    ),
    katas: Optional[Path] = KatasOption,
    only: Optional[list[str]] = OnlyOption,
    shard: Optional[str] = typer.Option(None, "--shard", help=help_text("help_batch_shard")),
    shards: Optional[int] = typer.Option(None, "--shards", help=help_text("help_batch_shards")),
    force: bool = typer.Option(False, "--force", help=help_text("help_batch_force")),
    retry: Optional[str] = typer.Option(None, "--retry", help=help_text("help_batch_retry")),
    learner: Optional[list[str]] = typer.Option(None, "--learner", help=help_text("help_batch_learner")),
    retry_timeouts: bool = typer.Option(
        True,
        "--retry-timeouts/--no-retry-timeouts",
        help=help_text("help_batch_retry_timeouts"),
    ),
    excel: bool = ExcelOption,
    course_file: Optional[Path] = CourseOption,
) -> None:
    """Grade a whole class unattended; rerun to grade only what changed. Exit 1 when the folder holds no learner."""
    import os

    from grader import batch as batch_module
    from grader import course as course_module
    from grader import devices

    catalog = Catalog.load(katas)
    chosen = batch_module.resolve_shard(shard, shards)
    if out.resolve().is_relative_to(submissions.resolve()):  # the next run would take the exports for a learner
        raise KataError.of("out_in_submissions", out=out, submissions=submissions)
    course = course_module.load(course_file, {k.id for k in catalog}) if course_file else None
    selected = catalog.select(only or (list(course.katas) if course else None))
    regrade = batch_module.Regrade(force, batch_module.parse_retry(retry), frozenset(learner or ()))
    try:
        summary = batch_module.run(
            submissions,
            out,
            selected,
            workers=workers or os.cpu_count() or 1,
            device=devices.resolve(device),
            limits=Limits(timeout=timeout, memory_mb=memory, disk_mb=disk),
            shard=chosen,
            lang=Session.lang,
            require_isolation=require_isolation,
            regrade=regrade,
            catalog=catalog,
            retry_timeouts=retry_timeouts,
            excel=excel,
            course=course,
        )
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM from a scheduler: exit 130 as before, but not in silence
        typer.echo(f"\n{say('batch_stopped', Session.lang, out=out)}", err=True)
        raise
    kinds = ", ".join(f"{n} {status}" for status, n in sorted(summary.kinds.items()))
    typer.echo(
        f"shard {summary.shard}: {len(summary.learners)} learners, {summary.graded} jobs graded "
        f"({summary.retried} timeouts retried alone), {summary.reused} unchanged, {len(summary.skipped)} "
        f"skipped, {summary.seconds:.1f} s -> {out}" + (f"\nresults: {kinds}" if kinds else "")
    )
    if not summary.in_class:
        typer.echo(f"error: no learner to grade in {submissions}", err=True)
        raise typer.Exit(1)
    if not summary.learners:  # a shard can be empty in a small class: not a failed task
        typer.echo(f"shard {summary.shard} holds none of the {summary.in_class} learners", err=True)


@app.command(help=help_text("help_merge"))
def merge(
    outs: list[Path] = typer.Argument(..., metavar="OUT", help=help_text("help_merge_outs")),
    out: Path = typer.Option(..., "-o", "--out", help=help_text("help_merge_out")),
    katas: Optional[Path] = KatasOption,
    excel: bool = ExcelOption,
) -> None:
    """Combine shard outputs into one, refusing overlaps and gaps."""
    from grader.merge import merge as merge_outputs

    catalog = Catalog.load(katas)
    learners = merge_outputs(outs, out, catalog, Session.lang, excel=excel)
    typer.echo(f"merged {len(outs)} outputs: {len(learners)} learners -> {out}")


export_app = App(  # its commands are `_Command`s too
    cls=Group,
    no_args_is_help=True,
    help=help_text("help_export"),
)
app.add_typer(export_app, name="export")
VisibilityOption = typer.Option("visible", "--visibility", help=help_text("help_visibility"))
CheckVisibilityOption = typer.Option(None, "--check", help=help_text("help_check_visibility"))


def _platform_config(
    catalog: Catalog,
    only: Optional[list[str]],
    visibility: str,
    checks: Optional[list[str]],
    timeout: Optional[float],
    course_file: Optional[Path],
) -> tuple[list[Kata], PlatformConfig]:
    """The katas an export holds and its settings: --only, else the course file's katas; each check's
    visibility from the course file, then --visibility and --check, which win."""
    from grader import course as course_module
    from grader import platforms
    from grader.worker import Worker

    course = course_module.load(course_file, {k.id for k in catalog}) if course_file else None
    selected = catalog.select(only or (list(course.katas) if course else None))
    collected = Worker(selected)
    ids = {k.id: [c.id for c in collected.expected(k)] for k in selected}
    # the course file's settings first, then --check: the command line wins
    settings = [f"{name}={value}" for name, value in course.check_visibility().items()] if course else []
    default, chosen = platforms.parse_visibility(
        course.visibility if course and visibility == "visible" else visibility, settings + (checks or []), ids
    )
    return selected, platforms.PlatformConfig([k.id for k in selected], default, chosen, timeout)


@app.command("import", help=help_text("help_import"))
def import_submissions(
    system: str = typer.Argument(..., metavar="SYSTEM", help=help_text("help_import_system")),
    download: Path = typer.Argument(
        ...,
        metavar="DOWNLOAD",
        help=help_text("help_import_download"),
    ),
    out: Path = typer.Option(..., "-o", "--out", help=help_text("help_import_out")),
    katas: Optional[Path] = KatasOption,
) -> None:
    """Turn an LMS bulk download into `kata batch` input: one folder per learner, and roster.csv."""
    from grader import lms

    imported, skipped = lms.import_download(system, download, list(Catalog.load(katas)), out)
    for entry in skipped:
        typer.echo(f"skipped {entry.entry}: {entry.reason}", err=True)
    flagged = [lr for lr in imported.learners if lr.late_known]  # only some platforms say what was late
    late = f" ({sum(lr.late for lr in flagged)} late)" if flagged else ""
    typer.echo(f"{len(imported.learners)} learners{late}, {len(skipped)} files skipped -> {out}")


@export_app.command("gradescope", help=help_text("help_export_gradescope"))
def export_gradescope(
    out: Path = typer.Option(Path("autograder.zip"), "-o", "--out", help=help_text("help_gradescope_out")),
    only: Optional[list[str]] = OnlyOption,
    visibility: str = VisibilityOption,
    check: Optional[list[str]] = CheckVisibilityOption,
    timeout: Optional[float] = KataTimeoutOption,
    course_file: Optional[Path] = CourseOption,
    katas: Optional[Path] = KatasOption,
) -> None:
    """A Gradescope autograder zip: setup.sh, run_autograder, the katas; upload it as the assignment's autograder."""
    from grader import platforms

    selected, config = _platform_config(Catalog.load(katas), only, visibility, check, timeout, course_file)
    platforms.build_gradescope(selected, config, out)
    typer.echo(f"gradescope autograder for {', '.join(config.katas)} -> {out}")


@export_app.command("prairielearn", help=help_text("help_export_prairielearn"))
def export_prairielearn(
    out: Path = typer.Option(Path("prairielearn"), "-o", "--out", help=help_text("help_prairielearn_out")),
    image: str = typer.Option("torch-katas-grader", "--image", help=help_text("help_prairielearn_image")),
    only: Optional[list[str]] = typer.Option(None, "--only", help=help_text("help_prairielearn_only")),
    visibility: str = VisibilityOption,
    check: Optional[list[str]] = CheckVisibilityOption,
    timeout: Optional[float] = KataTimeoutOption,
    course_file: Optional[Path] = CourseOption,
    katas: Optional[Path] = KatasOption,
) -> None:
    """PrairieLearn questions graded externally by this engine, one per kata, and their image's Dockerfile."""
    from grader import platforms

    selected, config = _platform_config(Catalog.load(katas), only, visibility, check, timeout, course_file)
    questions = platforms.build_prairielearn(selected, config, out, image)
    typer.echo(
        f"prairielearn: {len(questions)} questions -> {out / 'questions'}; "
        f"build the image: docker build -t {image} {out}"
    )


@app.command(help=help_text("help_doctor"))
def doctor(workspace: Optional[Path] = WorkspaceOption) -> None:
    """Versions, devices, active sandbox protections and the workspace: paste it into a help request."""
    from tabulate import tabulate

    from grader.doctor import report

    _not_a_file(workspace)
    rows = report(workspace, Session.lang)
    # long labels (the protections) wrap at a third of the terminal; the values take the rest
    label_room = min(max(width(label) for label, _ in rows), max(16, terminal_columns() // 3))
    room = max(20, terminal_columns() - label_room - 3)
    folded = [("\n".join(fold(label, label_room)), "\n".join(fold(value, room))) for label, value in rows]
    typer.echo(tabulate(folded, tablefmt="simple"))


@app.command(help=help_text("help_watch"))
def watch(
    kata_id: Optional[str] = typer.Argument(None, metavar="ID", help=help_text("help_watch_id")),
    workspace: Optional[Path] = WorkspaceOption,
    poll: bool = typer.Option(False, "--poll", help=help_text("help_poll")),
    device: str = DeviceOption,
    katas: Optional[Path] = KatasOption,
) -> None:
    """Re-grade a kata every time you save it. Keys: h next hint, n next kata once done, q quit."""
    from contextlib import closing

    from grader import devices
    from grader import watch as watching
    from grader.scorecard import render

    catalog = Catalog.load(katas)
    space = _space(workspace)
    again = _again(workspace, katas)
    kata = _watched(catalog, space, kata_id, again)
    keys = sys.stdin.isatty() and sys.platform != "win32"  # cbreak key reading needs a POSIX terminal
    session = watching.WatchSession(catalog, space, kata, devices.resolve(device), lang=Session.lang)
    session.announce, session.progress = _announcer(Session.lang), lambda: _ProgressLine(Session.lang)
    # Ctrl-C goes through: the stream restores the terminal, and the command exits 130 as `kata grade` does
    with closing(watching.events(space.root, poll, keys)) as stream:
        after_message = False  # a hint or the next kata's instructions stay on screen until the next save
        for update in watching.watch_loop(session, stream):
            if isinstance(update, watching.Instructions):  # the next kata's README, rendered like `kata start`'s
                typer.echo(f"{update.message}\n\n{for_terminal(update.markdown, sys.stdout)}")
                after_message = True
                continue
            if isinstance(update, str):
                typer.echo(update)
                after_message = True
                continue
            if _redraws(sys.stdout) and not after_message:
                watching.clear_screen()
            after_message = False
            typer.echo(render([update], catalog, Session.lang, columns=fitting_columns(sys.stdout), again=again))
            for note in _ignored_scripts([update], catalog, space, Session.lang):
                typer.echo(note)
            if session.unsaved is not None:
                typer.echo(session.unsaved.say(Session.lang), err=True)
            typer.echo(session.footer(keys, fitting_columns(sys.stdout)))


def _watched(catalog: Catalog, space: Workspace, kata_id: Optional[str], again: str) -> Kata:
    """The kata to watch: the one named, once started, else `pick_kata`'s among the started ones. Watch never
    starts a kata itself (`kata start` shows the instructions), and with none started refuses as grade does."""
    if kata_id is None:
        _started(catalog, space, again)
        from grader.watch import pick_kata

        return pick_kata(catalog, space)
    kata = _kata(catalog, kata_id)
    if not space.is_started(kata):
        raise KataError.of("not_started_watch", id=kata.id, root=space.root, command=f"kata start {kata.id}{again}")
    return kata
