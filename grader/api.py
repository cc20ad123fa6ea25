"""The public Python API that the `%kata` magic and the CLI share: setup, start, make_notebook, hint,
list_katas, grade, reset. Each returns a dataclass that shows itself as HTML in Jupyter and as text
elsewhere.

`grade` runs `kata grade` as a process of its own (`python -m grader`, reading the versioned JSON it
writes), never the engine inside the calling process: a Jupyter kernel may have initialised CUDA and
holds whatever the learner's exploration cells changed, so neither the judge nor the grading children
may live in it. The fresh process judges, and its zygote forks the children, so `--device cuda`
uses the notebook's GPU.
"""

from __future__ import annotations

import html
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import notebook
from grader.catalog import Catalog, Kata
from grader.errors import KataError
from grader.i18n import detect_language, is_language, pick, say, status_word, translate
from grader.results import NOT_STARTED, PASSED, SKIPPED, KataResult, points_text, safe_text
from grader.scorecard import measured_line
from grader.workspace import STATE_DIR, Workspace, find_root
from grader.workspace import Hint as WorkspaceHint

_TEXT = {
    "setup": {
        "en": "kata {id} · workspace {root} · language {language}",
        "zh": "练习 {id} · 工作区 {root} · 语言 {language}",
    },
    "check": {"en": "check", "zh": "检查"},
    "result": {"en": "result", "zh": "结果"},
    "hint_command": {
        "en": "Stuck? `%kata hint {id}` (or `kata hint {id}` in a terminal)",
        "zh": "卡住了？运行 `%kata hint {id}`（终端中用 `kata hint {id}`）",
    },
    "graded_file": {"en": "graded from {file}, saved {saved}", "zh": "评分文件 {file}，保存于 {saved}"},
    "created": {"en": "created", "zh": "已创建"},
    "kept": {"en": "kept (yours)", "zh": "保留（你的文件）"},
    "need_yes": {
        "en": "`reset` replaces your files in {path} with the stub (they are backed up under {backups}); "
        "a notebook cannot ask, so confirm with `{command} reset {id} --yes`.",
        "zh": "`reset` 会用初始代码替换 {path} 中的文件（旧文件备份到 {backups}）；"
        "笔记本中无法询问确认，请运行 `{command} reset {id} --yes`。",
    },
    "no_kata": {
        "en": "name a kata (e.g. tensors), or run `%kata setup ID` first",
        "zh": "请指定练习（例如 tensors），或先运行 `%kata setup ID`",
    },
}


def _say(key: str, lang: str, **values: object) -> str:
    return pick(_TEXT[key], lang).format(**values)


@dataclass
class Settings:
    """What `setup` remembers for the calls after it (the notebook's first cell sets these)."""

    kata: str | None = None
    workspace: Path | None = None
    lang: str | None = None
    katas: Path | None = None

    def describe(self) -> str:
        lang = _lang(None)
        return _say("setup", lang, id=self.kata or "-", root=_root(None), language=lang)


SETTINGS = Settings()


def _lang(lang: str | None) -> str:
    return detect_language(lang or SETTINGS.lang)


def _root(workspace: str | Path | None) -> Path:
    chosen = workspace if workspace is not None else SETTINGS.workspace
    return find_root(Path(chosen) if chosen is not None else None)


def _catalog(katas: str | Path | None) -> Catalog:
    chosen = katas if katas is not None else SETTINGS.katas
    return Catalog.load(Path(chosen) if chosen is not None else None)


def _kata(catalog: Catalog, kata_id: str | None, lang: str) -> Kata:
    kata_id = kata_id or SETTINGS.kata
    if not kata_id:
        raise KataError(_say("no_kata", lang))
    return catalog.get(kata_id)


def setup(
    kata: str | None = None,
    workspace: str | Path | None = None,
    lang: str | None = None,
    katas: str | Path | None = None,
) -> Settings:
    """Remember the kata, workspace, language and pack for the calls that follow."""
    if lang is not None and not is_language(lang):
        raise KataError.of("bad_lang", given=lang)
    catalog = _catalog(katas)
    if kata is not None:
        catalog.get(kata)  # an unknown id fails here, not at the first grade
    SETTINGS.kata, SETTINGS.lang = kata, lang
    SETTINGS.workspace = find_root(Path(workspace)) if workspace is not None else None
    SETTINGS.katas = Path(katas).resolve() if katas is not None else None
    return SETTINGS


def _pretty_as_text(self, printer, cycle: bool) -> None:
    """Plain IPython (a terminal, not Jupyter's HTML) shows the same text as print(). Each class sets it
    in its own body: IPython takes a class's own dataclass __repr__ before an inherited _repr_pretty_."""
    printer.text(str(self))


# --- start and notebooks -------------------------------------------------------------------------


@dataclass
class Started:
    kata: str
    title: str
    folder: Path
    files: list[tuple[str, bool]]  # (file, created now)
    notebook: Path | None
    lang: str

    _repr_pretty_ = _pretty_as_text

    def __str__(self) -> str:
        lines = [say("started", self.lang, id=self.kata, path=self.folder)]
        lines += [f"  {name}: {_say('created' if made else 'kept', self.lang)}" for name, made in self.files]
        if self.notebook is not None:
            lines.append(notebook.say("written", self.lang, path=self.notebook, quoted=shlex.quote(str(self.notebook))))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<li><code>{html.escape(name)}</code>: {_say('created' if made else 'kept', self.lang)}</li>"
            for name, made in self.files
        )
        opened = ""
        if self.notebook is not None:
            opened = f"<p>{html.escape(notebook.say('written', self.lang, path=self.notebook))}</p>"
        return (
            f"<div class='kata-started'><p><b>{html.escape(self.kata)}</b> — {html.escape(self.title)}</p>"
            f"<p>{html.escape(say('started', self.lang, id=self.kata, path=self.folder))}</p>"
            f"<ul>{rows}</ul>{opened}</div>"
        )


def add_notebook(kata: Kata, space: Workspace, lang: str, graded_from_notebook: bool) -> tuple[Path, bool]:
    """The kata's notebook in the workspace: (its path, whether it was written now). An existing
    notebook is the learner's and is kept."""
    path = notebook.notebook_path(space.folder(kata))
    if path.exists():
        return path, False
    return notebook.write(kata, space.folder(kata), lang, graded_from_notebook), True


def start(
    kata_id: str | None = None,
    notebook: bool = False,
    workspace: str | Path | None = None,
    lang: str | None = None,
    katas: str | Path | None = None,
) -> Started:
    """Copy the kata's stub into the workspace (never overwriting), and with `notebook=True` write
    `<id>/<id>.ipynb`, the file graded from then on."""
    lang = _lang(lang)
    kata = _kata(_catalog(katas), kata_id, lang)
    space = Workspace(_root(workspace))
    files = space.start(kata)
    written = None
    if notebook:
        written, created = add_notebook(kata, space, lang, graded_from_notebook=True)
        files.append((written.name, created))
    return Started(kata.id, kata.text(kata.title, lang), space.folder(kata), files, written, lang)


def make_notebook(
    kata_id: str | None = None,
    workspace: str | Path | None = None,
    lang: str | None = None,
    katas: str | Path | None = None,
) -> Started:
    """Write the notebook of a started kata from your current file (`kata notebook ID`); it is graded
    from then on while it is saved after the .py."""
    lang = _lang(lang)
    kata = _kata(_catalog(katas), kata_id, lang)
    space = Workspace(_root(workspace))
    if not space.is_started(kata):
        raise KataError.of("not_started_notebook", id=kata.id, root=space.root)
    path = notebook.write(kata, space.folder(kata), lang, graded_from_notebook=False)
    return Started(kata.id, kata.text(kata.title, lang), space.folder(kata), [(path.name, True)], path, lang)


def reset_kata(kata: Kata, space: Workspace, lang: str) -> Path:
    """Back up the learner's files and put the stub back; a notebook is backed up too and rebuilt
    from the stub in its own language, graded as before. Returns the backup folder."""
    path = notebook.notebook_path(space.folder(kata))
    kept = notebook.metadata(path) if path.is_file() else None
    backup = space.reset(kata)
    if kept is not None:
        shutil.move(path, backup / path.name)
        notebook.write(
            kata,
            space.folder(kata),
            kept.get("lang") if kept.get("lang") in ("en", "zh") else lang,
            graded_from_notebook=kept.get("graded_from_notebook") is True,
        )
    return backup


def reset(
    kata_id: str | None = None,
    workspace: str | Path | None = None,
    lang: str | None = None,
    katas: str | Path | None = None,
) -> Path:
    """Put the stub back (and a fresh notebook where there was one); returns the backup folder."""
    lang = _lang(lang)
    kata = _kata(_catalog(katas), kata_id, lang)
    space = Workspace(_root(workspace))
    if not space.is_started(kata):
        raise KataError.of("not_started_reset", id=kata.id, root=space.root)
    return reset_kata(kata, space, lang)


def reset_message(kata_id: str, backup: Path, lang: str | None = None) -> str:
    return say("reset_done", _lang(lang), id=kata_id, backup=backup)


def reset_refusal(
    kata_id: str | None,
    workspace: str | Path | None = None,
    lang: str | None = None,
    katas: str | Path | None = None,
    command: str = "%kata",
) -> str:
    """What a notebook says instead of prompting before a reset (`command`: how the learner called it)."""
    lang = _lang(lang)
    kata = _kata(_catalog(katas), kata_id, lang)
    space = Workspace(_root(workspace))
    return _say(
        "need_yes",
        lang,
        path=space.folder(kata),
        backups=space.root / STATE_DIR / "backups",
        id=kata.id,
        command=command,
    )


# --- hints and the list ------------------------------------------------------------------------


@dataclass
class Hint:
    kata: str
    number: int
    total: int
    text: str
    exercise: int | None  # None: the kata's own ladder
    lang: str

    @property
    def heading(self) -> str:
        return WorkspaceHint(self.number, self.total, self.text, self.exercise).heading(self.kata, self.lang)

    _repr_pretty_ = _pretty_as_text

    def __str__(self) -> str:
        last = f"\n{say('no_more_hints', self.lang)}" if self.number == self.total else ""
        return f"{self.heading}\n  {self.text}{last}"

    def _repr_html_(self) -> str:
        last = f"<p><i>{html.escape(say('no_more_hints', self.lang))}</i></p>" if self.number == self.total else ""
        return (
            f"<div class='kata-hint'><p><b>{html.escape(self.heading)}</b></p>"
            f"<p>{_inline_code(self.text)}</p>{last}</div>"
        )


def hint(
    kata_id: str | None = None,
    workspace: str | Path | None = None,
    lang: str | None = None,
    katas: str | Path | None = None,
) -> Hint:
    """The next hint for the kata (each call one step further, like `kata hint`)."""
    lang = _lang(lang)
    kata = _kata(_catalog(katas), kata_id, lang)
    shown = Workspace(_root(workspace)).next_hint(kata, lang)
    return Hint(kata.id, shown.number, shown.total, shown.text, shown.exercise, lang)


@dataclass
class KataRow:
    order: int
    kata: str
    title: str
    status: str
    points: str


@dataclass
class KataList:
    rows: list[KataRow]
    lang: str

    _repr_pretty_ = _pretty_as_text

    def __str__(self) -> str:
        return "\n".join(f"{r.order:>2} {r.kata:<15} {r.status:<12} {r.points:>7}  {r.title}" for r in self.rows)

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th>{html.escape(say(k, self.lang))}</th>" for k in ("order", "kata", "title", "status", "points")
        )
        body = "".join(
            f"<tr><td>{r.order}</td><td><code>{html.escape(r.kata)}</code></td><td>{html.escape(r.title)}</td>"
            f"<td>{html.escape(r.status)}</td><td>{html.escape(r.points)}</td></tr>"
            for r in self.rows
        )
        return f"<table class='kata-list'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def list_katas(
    workspace: str | Path | None = None, lang: str | None = None, katas: str | Path | None = None
) -> KataList:
    """Every kata with your status and best points (like `kata list`)."""
    lang = _lang(lang)
    space = Workspace(_root(workspace))
    return KataList(kata_rows(_catalog(katas), space, lang), lang)


def kata_rows(catalog: Catalog, space: Workspace, lang: str) -> list[KataRow]:
    """Each kata with the learner's status and points since its last start or reset: the rows of
    `kata list` and of `list_katas`."""
    rows = []
    for kata in catalog:
        last = space.last(kata)
        if last:
            status, points = last["status"], points_text(last["points"], last["max_points"])
        else:
            status, points = ("started" if space.is_started(kata) else NOT_STARTED), "-"
        rows.append(KataRow(kata.order, kata.id, kata.text(kata.title, lang), status_word(status, lang), points))
    return rows


# --- grading -----------------------------------------------------------------------------------


@dataclass
class Scorecard:
    """The results of one grading run, shown as a table per kata."""

    results: list[KataResult]
    lang: str
    titles: dict[str, str] = field(default_factory=dict)
    graded_files: dict[str, str] = field(default_factory=dict)  # kata -> "tensors.ipynb, saved 10:42:05"

    @property
    def points(self) -> float:
        return sum(r.points for r in self.results)

    @property
    def max_points(self) -> float:
        return sum(r.max_points for r in self.results)

    @property
    def full_marks(self) -> bool:
        return all(r.full_marks for r in self.results)

    _repr_pretty_ = _pretty_as_text

    def __str__(self) -> str:
        lines = []
        for r in self.results:
            lines.append(
                say(
                    "scorecard_kata_line",
                    self.lang,
                    kata=r.kata,
                    points=points_text(r.points, r.max_points),
                    status=status_word(r.status, self.lang),
                    why=say("status_" + r.status, self.lang),
                )
            )
            measured = measured_line(r, self.lang)
            if measured:
                lines.append(f"  {measured}")
            failing = r.first_failure()
            if failing is not None and not r.full_marks:
                lines.append(f"  {say('first_failure', self.lang)}{failing.localized_title(self.lang)}")
                lines += [f"    {line}" for line in safe_text(failing.localized_message(self.lang)).splitlines()[:8]]
                lines.append("  " + _say("hint_command", self.lang, id=r.kata))
        lines.append(say("scorecard_total_line", self.lang, points=points_text(self.points, self.max_points)))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return "".join(self._kata_html(r) for r in self.results)

    def _kata_html(self, r: KataResult) -> str:
        lang = self.lang
        rows = []
        for c in r.checks:
            mark = {PASSED: "✅", SKIPPED: "➖"}.get(c.outcome, "❌")
            rows.append(
                f"<tr data-check='{html.escape(c.id)}' data-outcome='{html.escape(c.outcome)}'>"
                f"<td>{html.escape(c.localized_title(lang))}</td><td>{mark} {html.escape(status_word(c.outcome, lang))}</td>"
                f"<td>{points_text(c.points, c.max_points)}</td></tr>"
            )
        head = "".join(
            f"<th>{html.escape(t)}</th>" for t in (_say("check", lang), _say("result", lang), say("points", lang))
        )
        title = html.escape(self.titles.get(r.kata, ""))
        caption = (
            f"<b>{html.escape(r.kata)}</b> {title} · {say('points', lang)} <b>{points_text(r.points, r.max_points)}</b> · "
            f"{html.escape(status_word(r.status, lang))} ({html.escape(say('status_' + r.status, lang))})"
        )
        parts = [
            f"<div class='kata-scorecard'><table data-kata='{html.escape(r.kata)}' data-points='{r.points:g}' "
            f"data-max-points='{r.max_points:g}' data-status='{html.escape(r.status)}'>"
            f"<caption style='text-align:left'>{caption}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        ]
        measured = measured_line(r, lang)
        if measured:
            parts.append(f"<p class='measured'>{html.escape(measured)}</p>")
        if not r.full_marks:
            failing = r.first_failure()
            if failing is not None:
                parts.append(
                    f"<p><b>{html.escape(say('first_failure', lang))}</b>{html.escape(failing.localized_title(lang))}</p>"
                    f"<pre>{html.escape(safe_text(failing.localized_message(lang)))}</pre>"
                )
            elif r.status_message:
                parts.append(f"<pre>{html.escape(translate(safe_text(r.status_message), lang))}</pre>")
            parts.append(f"<p>{_inline_code(_say('hint_command', lang, id=r.kata))}</p>")
        footer = [self.graded_files.get(r.kata, ""), say("graded_on", lang, device=r.device, torch=r.torch_version)]
        parts.append(f"<p><small>{html.escape(' · '.join(f for f in footer if f))}</small></p></div>")
        return "".join(parts)


def _inline_code(text: str) -> str:
    """Escaped text with `backticks` as <code>."""
    pieces = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))


def _graded_file(kata: Kata, space: Workspace, lang: str) -> str:
    folder = space.folder(kata)
    name = notebook.graded_file(folder, kata.files)
    try:
        saved = time.strftime("%H:%M:%S", time.localtime((folder / name).stat().st_mtime))
    except OSError:
        return ""
    return _say("graded_file", lang, file=name, saved=saved)


def grade(
    *kata_ids: str,
    device: str = "auto",
    timeout: float | None = None,
    workspace: str | Path | None = None,
    lang: str | None = None,
    katas: str | Path | None = None,
) -> Scorecard:
    """Grade the named katas (default: the one `setup` named, else every started kata) as
    `kata grade` does, in a process of its own; the saved files count, nothing is saved first."""
    lang = _lang(lang)
    catalog = _catalog(katas)
    ids = list(kata_ids) or ([SETTINGS.kata] if SETTINGS.kata else [])
    root = _root(workspace)
    space = Workspace(root)
    chosen = [catalog.get(i) for i in ids] if ids else [k for k in catalog if space.is_started(k)]
    graded_files = {k.id: _graded_file(k, space, lang) for k in chosen if space.is_started(k)}
    pack = katas if katas is not None else SETTINGS.katas
    with tempfile.TemporaryDirectory(prefix="kata-grade-") as scratch:
        out = Path(scratch) / "results.json"
        # -E -P and a scratch cwd: nothing of the notebook's folder or environment decides what runs
        # ids, else --all: a notebook saved since the last grade is graded whatever the .py files say
        command = [
            sys.executable,
            "-E",
            "-P",
            "-m",
            "grader",
            "--lang",
            lang,
            "grade",
            *(ids or ["--all"]),
            "--workspace",
            str(root),
            "--device",
            device,
            "--json",
            str(out),
        ]
        if timeout is not None:
            command += ["--timeout", str(timeout)]
        if pack is not None:
            command += ["--katas", str(Path(pack).resolve())]
        finished = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=scratch, errors="replace"
        )
        if finished.returncode not in (0, 1) or not out.is_file():
            lines = [line for line in finished.stderr.splitlines() if line.strip()]
            reason = (
                lines[-1].removeprefix(say("error", lang, message="")) if lines else f"exit code {finished.returncode}"
            )
            raise KataError.of("grading_unfinished", reason=reason)
        data = json.loads(out.read_text(encoding="utf-8"))
    results = [KataResult.from_dict(k) for k in data["katas"]]
    titles = {k.id: k.text(k.title, lang) for k in chosen}
    return Scorecard(results, lang, titles, graded_files)
